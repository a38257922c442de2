// A SentencePiece model (tokenizer.model) as a Hugging Face tokenizer.json that encodes the same
// ids: its pieces and scores read from the model's protobuf bytes, a Unigram model with byte
// fallback behind a Metaspace pre-tokenizer, BOS added as Llama's tokenizer adds it. Equality
// holds on text that has been through text::normalize (the SentencePiece tokenizer normalises
// first; tokenizer.json only collapses and trims whitespace). No torch here.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace guardian::text {

// SentencePiece's piece types (sentencepiece_model.proto).
enum class SpPieceType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

struct SpModelPiece {
  std::string piece;                       // the piece's text ("▁the", "<s>", "<0x41>")
  float score = 0.0f;                      // log probability (Unigram) or merge rank (BPE)
  SpPieceType type = SpPieceType::kNormal;
};

// The pieces of a serialized ModelProto, in id order; FormatError naming `where` when the bytes
// are not a SentencePiece model.
std::vector<SpModelPiece> read_sentencepiece_pieces(const std::string& model_bytes, const std::string& where);

// tokenizer.json for a Unigram SentencePiece model trained here (byte fallback, the default
// whitespace handling). UnsupportedError when the model has no "<s>" or no "<unk>" piece.
nlohmann::ordered_json sentencepiece_tokenizer_json(const std::string& model_bytes, const std::string& where);

}  // namespace guardian::text

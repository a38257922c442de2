#include "text/sentencepiece_export.h"

#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace guardian::text {

namespace {

// Just enough of the protobuf wire format to walk a ModelProto: varints, fixed 32/64-bit
// fields and length-delimited ones, each checked against the end of the buffer.
class WireReader {
 public:
  WireReader(std::string_view bytes, const std::string& where) : bytes_(bytes), where_(where) {}
  bool done() const { return at_ >= bytes_.size(); }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) fail("a varint runs past the end");
      const auto byte = static_cast<uint8_t>(bytes_[at_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail("a varint is longer than 10 bytes");
  }
  std::string_view bytes(size_t n) {
    if (n > bytes_.size() - at_) fail("a field runs past the end");
    auto out = bytes_.substr(at_, n);
    at_ += n;
    return out;
  }
  // Skips a field of the given wire type (its tag already read).
  void skip(uint64_t wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: bytes(8); break;
      case 2: bytes(varint()); break;
      case 5: bytes(4); break;
      default: fail("unknown protobuf wire type " + std::to_string(wire_type));
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(where_ + ": not a SentencePiece model (" + what + " at byte " + std::to_string(at_) + ")");
  }

 private:
  std::string_view bytes_;
  const std::string& where_;
  size_t at_ = 0;
};

SpModelPiece read_piece(std::string_view message, const std::string& where) {
  WireReader reader(message, where);
  SpModelPiece piece;
  while (!reader.done()) {
    const uint64_t tag = reader.varint();
    const uint64_t field = tag >> 3, wire = tag & 7;
    if (field == 1 && wire == 2) {
      piece.piece = std::string(reader.bytes(reader.varint()));
    } else if (field == 2 && wire == 5) {
      const auto raw = reader.bytes(4);
      std::memcpy(&piece.score, raw.data(), 4);  // little-endian float, as protobuf writes it
    } else if (field == 3 && wire == 0) {
      piece.type = static_cast<SpPieceType>(reader.varint());
    } else {
      reader.skip(wire);
    }
  }
  return piece;
}

nlohmann::ordered_json added_token(int id, const std::string& content) {
  return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", true}};
}

}  // namespace

std::vector<SpModelPiece> read_sentencepiece_pieces(const std::string& model_bytes, const std::string& where) {
  WireReader reader(model_bytes, where);
  std::vector<SpModelPiece> pieces;
  while (!reader.done()) {
    const uint64_t tag = reader.varint();
    if ((tag >> 3) == 1 && (tag & 7) == 2) {  // ModelProto.pieces
      pieces.push_back(read_piece(reader.bytes(reader.varint()), where));
    } else {
      reader.skip(tag & 7);
    }
  }
  if (pieces.empty()) reader.fail("no pieces");
  return pieces;
}

nlohmann::ordered_json sentencepiece_tokenizer_json(const std::string& model_bytes, const std::string& where) {
  const auto pieces = read_sentencepiece_pieces(model_bytes, where);
  int unk = -1, bos = -1;
  nlohmann::ordered_json vocab = nlohmann::ordered_json::array(), added = nlohmann::ordered_json::array();
  for (size_t i = 0; i < pieces.size(); ++i) {
    const auto& p = pieces[i];
    const int id = static_cast<int>(i);
    vocab.push_back({p.piece, p.score});
    if (p.type == SpPieceType::kUnknown) unk = id;
    if (p.piece == "<s>") bos = id;
    // Control and user-defined pieces are whole tokens, never pieces of a word.
    if (p.type == SpPieceType::kControl || p.type == SpPieceType::kUnknown || p.type == SpPieceType::kUserDefined) {
      added.push_back(added_token(id, p.piece));
    }
  }
  if (unk < 0 || bos < 0) throw UnsupportedError(where + ": the SentencePiece model has no <unk> or no <s> piece");
  const nlohmann::ordered_json bos_token = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
  auto sequence = [](const char* id) { return nlohmann::ordered_json{{"Sequence", {{"id", id}, {"type_id", 0}}}}; };
  nlohmann::ordered_json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = added;
  // SentencePiece trims and collapses whitespace (remove_extra_whitespaces) before its pieces.
  j["normalizer"] = {{"type", "Sequence"},
                     {"normalizers", {{{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
                                      {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}}}}};
  // Pieces never cross a word start (split_by_whitespace), so splitting before each "▁" is exact.
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}, {"split", true}};
  j["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {bos_token, sequence("A")}},
      {"pair", {bos_token, sequence("A"), bos_token, sequence("B")}},
      {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {bos}}, {"tokens", {"<s>"}}}}}}};
  j["decoder"] = {{"type", "Sequence"},
                  {"decoders", {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                {{"type", "ByteFallback"}},
                                {{"type", "Fuse"}},
                                {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  j["model"] = {{"type", "Unigram"}, {"unk_id", unk}, {"vocab", vocab}, {"byte_fallback", true}};
  return j;
}

}  // namespace guardian::text

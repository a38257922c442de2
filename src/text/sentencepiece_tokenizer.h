// SentencePiece tokenizers: trained here on the user's own text (Korean needs high character
// coverage; byte fallback means no input is ever <unk>), or loaded from a .model file. Text is
// run through text::normalize first, and offsets point into the caller's original text.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "text/spm_backend.h"
#include "text/tokenizer.h"

namespace guardian::text {

struct SentencePieceTrainOptions {
  int vocab_size = 16000;               // pieces in the model, specials and 256 byte pieces included
  std::string model_type = "unigram";   // "unigram", "bpe", "char" or "word"
  double character_coverage = 0.9995;   // share of characters covered by pieces; rest fall back to bytes
  int64_t max_sentences = 1000000;      // input_sentence_size: a random sample when the input has more
  int num_threads = 4;                  // trainer threads
  int max_sentence_bytes = 4192;        // longer sentences are skipped by the trainer
  bool hard_vocab_limit = false;        // false: a small corpus may give a smaller vocabulary
};

// Fixed ids of the models trained here.
inline constexpr int kSpPadId = 0;                       // "<pad>"
inline constexpr int kSpUnkId = 1;                       // "<unk>"
inline constexpr int kSpBosId = 2;                       // "<s>", the [CLS]-like first token
inline constexpr int kSpEosId = 3;                       // "</s>"
inline constexpr const char* kSpMaskPiece = "<mask>";    // user-defined symbol, id 4

class SentencePieceTokenizer : public Tokenizer {
 public:
  ~SentencePieceTokenizer() override;

  // InputError if the file is missing, FormatError naming it if it is not a SentencePiece model.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& path);
  // The same from the model file's bytes; where names the source in errors.
  static std::unique_ptr<SentencePieceTokenizer> from_bytes(const std::string& model_bytes, const std::string& where);

  // Trains on the sentences next_sentence yields (it returns false at the end), each normalised
  // first, and writes the model to model_path (temp file + rename). Errors thrown by
  // next_sentence are rethrown; a trainer failure is an InputError with SentencePiece's message.
  static void train(const std::function<bool(std::string&)>& next_sentence, const SentencePieceTrainOptions& options,
                    const std::filesystem::path& model_path);

  Encoding encode(std::string_view text, bool add_special_tokens = true) const override;
  std::string decode(std::span<const int> ids, bool skip_special_tokens = true) const override;
  int vocab_size() const override;
  std::optional<int> token_to_id(std::string_view token) const override;
  std::string id_to_token(int id) const override;
  SpecialTokens special_tokens() const override { return specials_; }
  std::string kind() const override { return "sentencepiece"; }

  const std::string& model_bytes() const { return model_bytes_; }  // the serialized model

 private:
  SentencePieceTokenizer();
  bool is_special(int id) const;

  std::unique_ptr<SpmProcessor> sp_;  // SentencePiece, through the plugin
  std::string model_bytes_;
  SpecialTokens specials_;
};

}  // namespace guardian::text

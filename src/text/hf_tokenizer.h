// A Hugging Face tokenizer.json (normalizer, pre-tokenizer, model, post-processor, decoder, added
// tokens) behind guardian's Tokenizer interface; exact to the id with Hugging Face's tokenizers.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "text/hf/added_vocab.h"
#include "text/tokenizer.h"

namespace guardian::text {

namespace hf {
class Normalizer;
class PreTokenizer;
class Model;
class PostProcessor;
class Decoder;
}  // namespace hf

struct HfTokenizerOptions {
  bool replace_invalid_utf8 = false;  // replace invalid UTF-8 with U+FFFD instead of throwing InputError
};

class HfTokenizer : public Tokenizer {
 public:
  // Reads a tokenizer.json; FormatError names the field of a malformed file, UnsupportedError the
  // type and JSON path of a component guardian lacks.
  static std::unique_ptr<HfTokenizer> load(const std::filesystem::path& tokenizer_json,
                                           HfTokenizerOptions options = {});
  // The same from the file's text; `origin` names it in errors.
  static std::unique_ptr<HfTokenizer> from_json_string(std::string_view json, HfTokenizerOptions options = {},
                                                       const std::string& origin = "tokenizer.json");
  ~HfTokenizer() override;

  // Throws InputError on invalid UTF-8 (unless options.replace_invalid_utf8).
  Encoding encode(std::string_view text, bool add_special_tokens = true) const override;
  // The same; without match_special_tokens a special token's text typed in `text` ("<|im_start|>")
  // is encoded as the text it is, never as the control token (transformers' split_special_tokens).
  Encoding encode(std::string_view text, bool add_special_tokens, bool match_special_tokens) const;
  std::string decode(std::span<const int> ids, bool skip_special_tokens = true) const override;
  // One past the largest id of the model and the added tokens.
  int vocab_size() const override;
  std::optional<int> token_to_id(std::string_view token) const override;
  std::string id_to_token(int id) const override;  // "" for an unknown id
  SpecialTokens special_tokens() const override { return special_; }
  std::string kind() const override { return "tokenizer.json"; }

  const std::vector<hf::AddedToken>& added_tokens() const { return added_.tokens(); }

 private:
  HfTokenizer();
  std::unique_ptr<hf::Normalizer> normalizer_;
  std::unique_ptr<hf::PreTokenizer> pre_tokenizer_;
  std::unique_ptr<hf::Model> model_;
  std::unique_ptr<hf::PostProcessor> post_processor_;
  std::unique_ptr<hf::Decoder> decoder_;
  hf::AddedVocab added_;
  SpecialTokens special_;
  HfTokenizerOptions options_;
};

}  // namespace guardian::text

// One interface for every tokenizer guardian uses (SentencePiece models trained here, Hugging Face
// tokenizer.json files), so models and trainers don't care which kind they hold. No torch here.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guardian::text {

struct Encoding {
  std::vector<int> ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<std::size_t, std::size_t>> offsets;  // byte range [begin, end) in the input
};

// Ids of the special tokens a model needs; -1 when the tokenizer has none.
struct SpecialTokens {
  int pad = -1;
  int unk = -1;
  int bos = -1;   // [CLS] / <s>
  int eos = -1;   // [SEP] / </s>
  int mask = -1;  // [MASK] / <mask>
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // add_special_tokens adds what the tokenizer's post-processor adds (e.g. [CLS] ... [SEP]).
  virtual Encoding encode(std::string_view text, bool add_special_tokens = true) const = 0;
  virtual std::string decode(std::span<const int> ids, bool skip_special_tokens = true) const = 0;
  virtual int vocab_size() const = 0;
  virtual std::optional<int> token_to_id(std::string_view token) const = 0;
  virtual std::string id_to_token(int id) const = 0;
  virtual SpecialTokens special_tokens() const = 0;
  // "sentencepiece" or "tokenizer.json".
  virtual std::string kind() const = 0;
};

}  // namespace guardian::text

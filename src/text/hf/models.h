// tokenizer.json models: BPE (byte-level, byte fallback, both merge formats, ignore_merges, a word
// cache), WordPiece and Unigram (Viterbi). Each turns one pre-token into ids with offsets.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/hf/common.h"

namespace guardian::text::hf {

// One token from a model: its id and the input byte range it covers.
struct ModelToken {
  int id = 0;
  Span offsets;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of one pre-token (a word) to out.
  virtual void tokenize(const Piece& word, std::vector<ModelToken>& out) const = 0;
  std::optional<int> token_to_id(std::string_view token) const;
  // The token of `id`, or nullptr when the model has none.
  const std::string* id_to_token(int id) const;
  int vocab_size() const { return static_cast<int>(vocab_.size()); }
  std::optional<int> unk_id() const { return unk_id_; }

 protected:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  // Adds `token` with `id`; throws FormatError naming `where` on a negative or too large id. The id
  // arrives as int64_t so that one past the range of int is refused, not wrapped onto another token.
  void add_token(const std::string& token, int64_t id, const JsonAt& where);
  std::vector<std::string> vocab_;  // id -> token (empty string where an id has no token)
  std::unordered_map<std::string, int, Hash, Eq> ids_;  // token -> id
  std::optional<int> unk_id_;
};

std::unique_ptr<Model> make_model(const JsonAt& j);

}  // namespace guardian::text::hf

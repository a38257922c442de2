// Added tokens of a tokenizer.json: found in the text before the model runs (leftmost-longest),
// honouring lstrip, rstrip, single_word and normalized, as Hugging Face's AddedVocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/hf/common.h"

namespace guardian::text::hf {

struct AddedToken {
  std::string content;       // the token's text
  int id = 0;                // its id
  bool special = false;      // dropped by decode(skip_special_tokens)
  bool lstrip = false;       // the match swallows whitespace on its left
  bool rstrip = false;       // the match swallows whitespace on its right
  bool single_word = false;  // matches only when not inside a word
  bool normalized = false;   // matched in the normalised text rather than the raw input
};

// A piece of text, or an added token (id >= 0) covering `piece`.
struct Section {
  Piece piece;
  int added_id = -1;
};

class AddedVocab {
 public:
  void add(const AddedToken& token);
  bool empty() const { return tokens_.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* find(int id) const;
  const AddedToken* find(std::string_view content) const;
  // Splits p on the added tokens with normalized == `normalized`; appends to out. Without
  // match_special, special tokens are not looked for (their text stays text), others still are.
  void split(Piece p, bool normalized, std::vector<Section>& out, bool match_special = true) const;

 private:
  struct Trie {
    std::unordered_map<std::uint64_t, int> children;  // (node, byte) -> node
    std::vector<int> terminal{-1};                     // node -> index in tokens_, or -1
    bool first_byte[256] = {};
    void insert(const std::string& s, int index);
  };
  std::vector<AddedToken> tokens_;
  std::unordered_map<int, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_content_;
  Trie raw_, normalized_;
  Trie raw_plain_, normalized_plain_;  // the same without the special tokens
};

}  // namespace guardian::text::hf

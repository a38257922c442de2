// tokenizer.json pre-tokenizers: ByteLevel, Split (Oniguruma regex or string), Whitespace,
// WhitespaceSplit, Metaspace, Punctuation, Digits, BertPreTokenizer and Sequence.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "text/hf/common.h"

namespace guardian::text::hf {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits (and may rewrite) every piece; `first` says pieces[0] starts the whole input.
  virtual void pre_tokenize(std::vector<Piece>& pieces, bool first) const = 0;
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonAt& j);

// GPT-2's byte-to-character table (ByteLevel pre-tokenizer and decoder).
const std::array<std::string, 256>& byte_to_unicode();

}  // namespace guardian::text::hf

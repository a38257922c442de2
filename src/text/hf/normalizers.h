// tokenizer.json normalizers: NFC/NFD/NFKC/NFKD, Lowercase, StripAccents, Strip, Replace, Prepend,
// BertNormalizer and Sequence; each rewrites a Piece and keeps its alignment to the input.
#pragma once

#include <memory>

#include "text/hf/common.h"
#include "text/hf/regex.h"

namespace guardian::text::hf {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(Piece& piece) const = 0;
};

// The regex of a {"String": ...} or {"Regex": ...} pattern object (a string is matched literally).
Regex make_pattern(const JsonAt& pattern);

// Builds the normalizer described at `j` (null JSON gives nullptr); throws naming the path.
std::unique_ptr<Normalizer> make_normalizer(const JsonAt& j);

}  // namespace guardian::text::hf

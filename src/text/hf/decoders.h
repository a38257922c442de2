// tokenizer.json decoders: ByteLevel, Metaspace, WordPiece, BPEDecoder, ByteFallback, Fuse, Strip,
// Replace and Sequence; they turn tokens back into text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "text/hf/common.h"

namespace guardian::text::hf {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the token strings in place (Hugging Face's decode_chain); the text is their concatenation.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

std::unique_ptr<Decoder> make_decoder(const JsonAt& j);

// Bytes to text, replacing each maximal invalid UTF-8 subsequence with U+FFFD (Rust's from_utf8_lossy).
std::string utf8_lossy(std::string_view bytes);

}  // namespace guardian::text::hf

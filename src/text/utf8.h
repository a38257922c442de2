// Small UTF-8 helpers shared by the text module: strict decoding and encoding of one character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace guardian::text {

struct Utf8Char {
  char32_t code = 0;       // the code point, or U+FFFD when invalid
  std::size_t length = 1;  // bytes consumed: the sequence, or the maximal invalid prefix (>= 1)
  bool valid = true;
};

// Decodes the character at bytes[pos] (pos < size); rejects overlong forms, surrogates and
// values past U+10FFFF.
Utf8Char decode_utf8(std::string_view bytes, std::size_t pos);

void append_utf8(std::string& out, char32_t code);

// Whole strings: every character decoded (an invalid sequence as U+FFFD), and encoded back.
std::u32string decode_utf8(std::string_view bytes);
std::string encode_utf8(std::u32string_view chars);

}  // namespace guardian::text

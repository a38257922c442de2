// Shared pieces of the tokenizer.json implementation: a string that remembers where each of its
// bytes came from in the input, JSON field access that names the path on error, small UTF-8 helpers.
#pragma once

#include "text/utf8.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace guardian::text::hf {

using Json = nlohmann::json;

// Byte range [begin, end) in the original input.
using Span = std::pair<std::uint32_t, std::uint32_t>;

// A piece of text after normalisation; align[i] is the input range of the character that
// produced byte i of text (so offsets survive normalisation, byte-level mapping and splitting).
struct Piece {
  std::string text;         // current (normalised / mapped) bytes, valid UTF-8
  std::vector<Span> align;  // one entry per byte of text
};

// Builds a piece whose alignment is the identity over input[begin, begin + text.size()).
Piece make_piece(std::string_view text, std::uint32_t begin);

// Appends `out` bytes to dst, all aligned to the input range `src`.
void append_aligned(Piece& dst, std::string_view out, Span src);

// The sub-piece [b, e) of p (byte positions).
Piece slice(const Piece& p, std::size_t b, std::size_t e);

// Length of the UTF-8 sequence starting with lead byte c (1 for stray continuation bytes).
inline std::size_t utf8_len(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}
// Decodes the (valid) UTF-8 character at s[i].
char32_t utf8_at(std::string_view s, std::size_t i);

// Whether s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Unicode White_Space, as Rust's char::is_whitespace.
bool is_unicode_space(char32_t c);

// Field access on a JSON object that names the JSON path in its errors (FormatError).
class JsonAt {
 public:
  JsonAt(const Json& j, std::string path) : j_(j), path_(std::move(path)) {}
  const Json& json() const { return j_; }
  const std::string& path() const { return path_; }
  bool has(const char* key) const;                 // present and not null
  JsonAt at(const char* key) const;                // required field
  JsonAt at(std::size_t index) const;              // array element
  std::string str(const char* key) const;          // required string field
  std::string str_or(const char* key, std::string fallback) const;
  bool boolean_or(const char* key, bool fallback) const;
  double number_or(const char* key, double fallback) const;
  std::string type() const;                        // the "type" field, required
  [[noreturn]] void fail(const std::string& what) const;  // throws FormatError naming path_
  [[noreturn]] void unsupported(const std::string& kind) const;  // throws UnsupportedError

 private:
  const Json& j_;
  std::string path_;
};

}  // namespace guardian::text::hf

#include "text/hf/common.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "text/utf8.h"

namespace guardian::text::hf {

Piece make_piece(std::string_view text, std::uint32_t begin) {
  Piece p;
  p.text.assign(text);
  p.align.resize(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = std::min(utf8_len(static_cast<unsigned char>(text[i])), text.size() - i);
    Span s{begin + static_cast<std::uint32_t>(i), begin + static_cast<std::uint32_t>(i + n)};
    for (std::size_t k = 0; k < n; ++k) p.align[i + k] = s;
    i += n;
  }
  return p;
}

void append_aligned(Piece& dst, std::string_view out, Span src) {
  dst.text.append(out);
  dst.align.insert(dst.align.end(), out.size(), src);
}

Piece slice(const Piece& p, std::size_t b, std::size_t e) {
  Piece r;
  r.text = p.text.substr(b, e - b);
  r.align.assign(p.align.begin() + static_cast<std::ptrdiff_t>(b),
                 p.align.begin() + static_cast<std::ptrdiff_t>(e));
  return r;
}

char32_t utf8_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const std::size_t n = std::min(utf8_len(c), s.size() - i);
  if (n == 1) return c;
  if (n == 2) return ((c & 0x1Fu) << 6) | (b(1) & 0x3Fu);
  if (n == 3) return ((c & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
  return ((c & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= s.size()) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    Utf8Char c = decode_utf8(s, i);
    if (!c.valid) return false;
    i += c.length;
  }
  return true;
}

bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool JsonAt::has(const char* key) const {
  return j_.is_object() && j_.contains(key) && !j_.at(key).is_null();
}

JsonAt JsonAt::at(const char* key) const {
  if (!j_.is_object()) fail("expected an object");
  auto it = j_.find(key);
  if (it == j_.end()) fail(std::string("missing field \"") + key + "\"");
  return JsonAt(*it, path_ + "." + key);
}

JsonAt JsonAt::at(std::size_t index) const {
  if (!j_.is_array() || index >= j_.size()) fail("expected an array with element " + std::to_string(index));
  return JsonAt(j_[index], path_ + "[" + std::to_string(index) + "]");
}

std::string JsonAt::str(const char* key) const {
  JsonAt f = at(key);
  if (!f.j_.is_string()) f.fail("expected a string");
  return f.j_.get<std::string>();
}

std::string JsonAt::str_or(const char* key, std::string fallback) const {
  return has(key) ? str(key) : fallback;
}

bool JsonAt::boolean_or(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  JsonAt f = at(key);
  if (!f.j_.is_boolean()) f.fail("expected true or false");
  return f.j_.get<bool>();
}

double JsonAt::number_or(const char* key, double fallback) const {
  if (!has(key)) return fallback;
  JsonAt f = at(key);
  if (!f.j_.is_number()) f.fail("expected a number");
  return f.j_.get<double>();
}

std::string JsonAt::type() const { return str("type"); }

void JsonAt::fail(const std::string& what) const {
  throw FormatError(path_ + ": " + what);
}

void JsonAt::unsupported(const std::string& kind) const {
  throw UnsupportedError(path_ + ": unsupported type \"" + kind + "\"");
}

}  // namespace guardian::text::hf

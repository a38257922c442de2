#include "text/jinja_strings.h"

#include <cstdio>

#include <utf8proc.h>

#include "text/utf8.h"

namespace guardian::text::jinja {

bool js_is_whitespace(char32_t c) {
  if (c <= 32) return c == 32 || (c >= 9 && c <= 13);
  return c == 160 || c == 5760 || (c >= 8192 && c <= 8202) || c == 8232 || c == 8233 || c == 8239 ||
         c == 8287 || c == 12288 || c == 65279;
}

std::size_t whitespace_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return 0;
  auto ch = decode_utf8(s, pos);
  return ch.valid && js_is_whitespace(ch.code) ? ch.length : 0;
}

std::size_t whitespace_before(std::string_view s, std::size_t end) {
  std::size_t start = end;
  while (start > 0 && end - start < 4) {
    --start;
    if ((static_cast<unsigned char>(s[start]) & 0xC0) != 0x80) break;
  }
  if (start == end) return 0;
  std::size_t n = whitespace_at(s, start);
  return start + n == end ? n : 0;
}

std::string js_trim_start(std::string_view s) {
  std::size_t b = 0;
  while (std::size_t n = whitespace_at(s, b)) b += n;
  return std::string(s.substr(b));
}

std::string js_trim_end(std::string_view s) {
  std::size_t e = s.size();
  while (std::size_t n = whitespace_before(s, e)) e -= n;
  return std::string(s.substr(0, e));
}

std::string js_trim(std::string_view s) { return js_trim_end(js_trim_start(s)); }

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    n += ch.code >= 0x10000 ? 2 : 1;
    i += ch.length;
  }
  return n;
}

std::vector<std::string> code_points(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    out.emplace_back(s.substr(i, ch.length));
    i += ch.length;
  }
  return out;
}

namespace {

template <typename Map>
std::string map_case(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    if (ch.code < 0x80) out.push_back(static_cast<char>(map(static_cast<utf8proc_int32_t>(ch.code))));
    else if (!ch.valid) out.append(s.substr(i, ch.length));
    else append_utf8(out, static_cast<char32_t>(map(static_cast<utf8proc_int32_t>(ch.code))));
    i += ch.length;
  }
  return out;
}

bool is_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string js_upper(std::string_view s) { return map_case(s, utf8proc_toupper); }
std::string js_lower(std::string_view s) { return map_case(s, utf8proc_tolower); }

std::string js_title(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    bool boundary = i == 0 || !is_word(static_cast<unsigned char>(out[i - 1]));
    if (boundary && c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 32);
  }
  return out;
}

std::string js_capitalize(std::string_view s) {
  if (s.empty()) return {};
  auto ch = decode_utf8(s, 0);
  return js_upper(s.substr(0, ch.length)) + std::string(s.substr(ch.length));
}

std::string json_quote(std::string_view s, bool ensure_ascii) {
  std::string out = "\"";
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    char32_t c = ch.code;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else if (ensure_ascii && c >= 0x7F) {
          // JavaScript strings are UTF-16: a character past U+FFFF is two escaped surrogates.
          auto emit = [&](unsigned u) { std::snprintf(buf, sizeof buf, "\\u%04x", u); out += buf; };
          if (c >= 0x10000) {
            emit(0xD800 + ((c - 0x10000) >> 10));
            emit(0xDC00 + ((c - 0x10000) & 0x3FF));
          } else {
            emit(static_cast<unsigned>(c));
          }
        } else {
          out.append(s.substr(i, ch.length));
        }
    }
    i += ch.length;
  }
  return out + "\"";
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to, long count) {
  if (count == 0) return std::string(s);
  long remaining = count < 0 ? -1 : count;
  auto take = [&] { return remaining < 0 || remaining-- > 0; };
  std::string out;
  if (from.empty()) {
    auto cps = code_points(s);
    for (const auto& cp : cps) {
      if (take()) out.append(to);
      out += cp;
    }
    if (take()) out.append(to);
    return out;
  }
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string_view::npos;) {
    out.append(s.substr(pos, hit - pos));
    out.append(take() ? to : from);
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

std::vector<std::string> split_on(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(sep, pos)) != std::string_view::npos; pos = hit + sep.size())
    out.emplace_back(s.substr(pos, hit - pos));
  out.emplace_back(s.substr(pos));
  return out;
}

}  // namespace guardian::text::jinja

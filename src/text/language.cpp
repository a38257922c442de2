#include "text/language.h"

#include <utf8proc.h>

#include "text/utf8.h"

namespace guardian::text {
namespace {

bool is_hangul(char32_t c) {
  return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
         (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF) || (c >= 0xFFA0 && c <= 0xFFDC);
}

bool is_latin(char32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
         (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A);
}

bool is_letter(char32_t c) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return true;
    default:
      return false;
  }
}

}  // namespace

ScriptCounts count_scripts(std::string_view utf8) {
  ScriptCounts counts;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const Utf8Char ch = decode_utf8(utf8, i);
    i += ch.length;
    if (!ch.valid) continue;
    if (is_hangul(ch.code)) ++counts.hangul;
    else if (is_latin(ch.code)) ++counts.latin;
    else if (is_letter(ch.code)) ++counts.other;
  }
  return counts;
}

Script dominant_script(std::string_view utf8) {
  const ScriptCounts c = count_scripts(utf8);
  if (c.hangul == 0 && c.latin == 0 && c.other == 0) return Script::kNone;
  if (c.hangul >= c.latin && c.hangul >= c.other) return Script::kHangul;
  if (c.latin >= c.other) return Script::kLatin;
  return Script::kOther;
}

const char* script_name(Script script) {
  switch (script) {
    case Script::kHangul: return "hangul";
    case Script::kLatin: return "latin";
    case Script::kOther: return "other";
    case Script::kNone: return "none";
  }
  return "none";
}

}  // namespace guardian::text

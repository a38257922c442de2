// Which writing system a text is mostly in, by counting its letters: enough to route Korean and
// English messages (the data module wraps it as language detection).
#pragma once

#include <cstdint>
#include <string_view>

namespace guardian::text {

enum class Script { kNone, kHangul, kLatin, kOther };

struct ScriptCounts {
  int64_t hangul = 0;  // syllables and jamo (conjoining, compatibility, halfwidth)
  int64_t latin = 0;   // Latin letters, including accented and fullwidth ones
  int64_t other = 0;   // letters of any other script (Han, Kana, Cyrillic, ...)
};

// Letter counts; digits, punctuation, symbols and emoji are not letters. Invalid UTF-8 is skipped.
ScriptCounts count_scripts(std::string_view utf8);

// The script with the most letters; kNone when there are none. Ties favour Hangul, then Latin.
Script dominant_script(std::string_view utf8);

const char* script_name(Script script);  // "hangul", "latin", "other", "none"

}  // namespace guardian::text

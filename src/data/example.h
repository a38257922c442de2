// One labelled (or unlabelled) message, with its labels already mapped onto a policy's categories.
#pragma once

#include <string>
#include <vector>

namespace guardian::data {

enum class Language { kUnknown, kKorean, kEnglish };

// "ko", "en" or "unknown".
const char* language_code(Language language);
// Parses "ko"/"en"/"unknown" (also "korean"/"english"); throws ConfigError otherwise.
Language parse_language(const std::string& code);
// Korean when Hangul makes up a noticeable share of the letters, else English when Latin letters
// dominate, else unknown. Cheap: one pass over the UTF-8 bytes.
Language detect_language(const std::string& text);
// language_code(detect_language(text)): the language a policy's language_offset is looked up by.
// Detected, never the card's declared language, so that eval and calibrate see what serve sees.
const char* message_language(const std::string& text);

// A category the source does not label for this row; masked out of loss and metrics.
inline constexpr int kUnknownLabel = -1;

struct Example {
  std::string id;            // stable within its source: "<card>:<split>:<line>" unless the file has ids
  std::string text;          // NFKC-normalised UTF-8
  Language language = Language::kUnknown;
  std::vector<int> labels;   // one level index per policy category, or kUnknownLabel
  std::string source;        // the card's name
};

}  // namespace guardian::data

#include "data/example.h"

#include "core/error.h"
#include "text/language.h"

namespace guardian::data {

const char* language_code(Language language) {
  switch (language) {
    case Language::kKorean: return "ko";
    case Language::kEnglish: return "en";
    case Language::kUnknown: break;
  }
  return "unknown";
}

Language parse_language(const std::string& code) {
  if (code == "ko" || code == "korean") return Language::kKorean;
  if (code == "en" || code == "english") return Language::kEnglish;
  if (code == "unknown") return Language::kUnknown;
  throw ConfigError("language '" + code + "' is not ko, en or unknown");
}

Language detect_language(const std::string& text) {
  switch (text::dominant_script(text)) {
    case text::Script::kHangul: return Language::kKorean;
    case text::Script::kLatin: return Language::kEnglish;
    default: return Language::kUnknown;
  }
}

const char* message_language(const std::string& text) { return language_code(detect_language(text)); }

}  // namespace guardian::data

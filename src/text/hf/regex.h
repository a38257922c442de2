// An Oniguruma regular expression (the engine Hugging Face tokenizers compile their patterns with),
// used by the Split and Replace steps of tokenizer.json.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guardian::text::hf {

class Regex {
 public:
  // Compiles `pattern` (Oniguruma/Ruby syntax, UTF-8); throws FormatError naming `where`.
  Regex(const std::string& pattern, const std::string& where);
  // A pattern that matches `literal` exactly.
  static Regex literal(std::string_view literal, const std::string& where);
  ~Regex();
  Regex(Regex&& other) noexcept;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  Regex& operator=(Regex&&) = delete;

  // Non-empty, non-overlapping matches, left to right, as byte ranges [begin, end).
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text) const;

 private:
  void* regex_ = nullptr;  // OnigRegex
};

}  // namespace guardian::text::hf

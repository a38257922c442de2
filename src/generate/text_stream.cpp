#include "generate/text_stream.h"

#include <algorithm>

#include "core/error.h"

namespace guardian::generate {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // a stray continuation or invalid byte stands alone
}

}  // namespace

size_t complete_utf8_end(const std::string& text) {
  size_t end = text.size();
  // A lead byte within the last three whose sequence runs past the end.
  for (size_t back = 1; back <= std::min<size_t>(4, end); ++back) {
    const auto byte = static_cast<unsigned char>(text[end - back]);
    if ((byte & 0xC0) == 0x80) continue;
    if (utf8_length(byte) > back) end -= back;
    break;
  }
  while (end >= kReplacement.size() && std::string_view(text).substr(end - kReplacement.size(), kReplacement.size()) == kReplacement) {
    end -= kReplacement.size();
  }
  return end;
}

TextStream::TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stop_strings)
    : tokenizer_(tokenizer), stop_strings_(std::move(stop_strings)) {
  for (const auto& s : stop_strings_) {
    if (s.empty()) throw InputError("a stop string must not be empty");
  }
}

size_t TextStream::safe_end() const {
  size_t end = complete_utf8_end(text_);
  // Hold back the longest tail that is the beginning of a stop string.
  for (const auto& stop : stop_strings_) {
    for (size_t n = std::min(stop.size() - 1, end); n > 0; --n) {
      if (std::string_view(text_).substr(end - n, n) == std::string_view(stop).substr(0, n)) {
        end -= n;
        break;
      }
    }
  }
  return std::max(end, emitted_);
}

std::string TextStream::push(int id) {
  if (stopped()) return "";
  ids_.push_back(id);
  // Decoding the whole output again keeps what the decoder does between tokens (spaces, merged
  // bytes) exact; outputs are short next to the model's cost per token.
  text_ = tokenizer_.decode(ids_, /*skip_special_tokens=*/true);
  size_t first = std::string::npos;
  for (const auto& stop : stop_strings_) {
    const size_t at = text_.find(stop);
    if (at != std::string::npos && (first == std::string::npos || at < first)) {
      first = at;
      stop_ = stop;
    }
  }
  if (first != std::string::npos) {
    text_.resize(std::max(first, emitted_));
    return finish();
  }
  const size_t end = safe_end();
  std::string out = text_.substr(emitted_, end - emitted_);
  emitted_ = end;
  return out;
}

std::string TextStream::finish() {
  std::string out = emitted_ < text_.size() ? text_.substr(emitted_) : "";
  emitted_ = text_.size();
  return out;
}

}  // namespace guardian::generate

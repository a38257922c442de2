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

std::string TextStream::decode_window(size_t from, size_t to) const {
  return tokenizer_.decode(std::vector<int>(ids_.begin() + static_cast<std::ptrdiff_t>(from),
                                            ids_.begin() + static_cast<std::ptrdiff_t>(to)),
                           /*skip_special_tokens=*/true);
}

bool TextStream::append_settled(bool flush) {
  // Only the tokens since the last settled text are decoded, with the few before them as context
  // (what a decoder does at a boundary, such as a space it strips at the start, cancels out in
  // the difference): a token costs the same at the end of a long output as at its start.
  const std::string before = decode_window(prefix_offset_, read_offset_);
  const std::string now = decode_window(prefix_offset_, ids_.size());
  if (now.size() <= before.size() || now.compare(0, before.size(), before) != 0) return false;
  if (!flush && complete_utf8_end(now) != now.size()) return false;  // a later token completes it
  text_ += now.substr(before.size());
  prefix_offset_ = read_offset_;
  read_offset_ = ids_.size();
  return true;
}

std::string TextStream::push(int id) {
  if (stopped()) return "";
  ids_.push_back(id);
  const size_t searched = text_.size();
  if (!append_settled(/*flush=*/false)) return "";
  return cut_at_stop(searched) ? finish() : release(safe_end());
}

bool TextStream::cut_at_stop(size_t searched) {
  // A stop string found now ends in the new text: search from where it could begin.
  size_t first = std::string::npos;
  for (const auto& stop : stop_strings_) {
    const size_t from = searched >= stop.size() - 1 ? searched - (stop.size() - 1) : 0;
    const size_t at = text_.find(stop, from);
    if (at != std::string::npos && (first == std::string::npos || at < first)) {
      first = at;
      stop_ = stop;
    }
  }
  if (first == std::string::npos) return false;
  text_.resize(std::max(first, emitted_));
  return true;
}

std::string TextStream::release(size_t end) {
  std::string out = text_.substr(emitted_, end - emitted_);
  emitted_ = end;
  return out;
}

std::string TextStream::finish() {
  if (!stopped() && read_offset_ < ids_.size()) {
    const size_t searched = text_.size();
    if (append_settled(/*flush=*/true)) cut_at_stop(searched);
  }
  return release(std::max(emitted_, text_.size()));
}

}  // namespace guardian::generate

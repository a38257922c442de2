#include "text/normalize.h"

#include <utf8proc.h>

#include <cstdlib>

#include "core/error.h"
#include "text/utf8.h"

namespace guardian::text {
namespace {

bool is_whitespace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Hangul compatibility jamo and halfwidth Hangul: NFKC would turn them into conjoining jamo,
// which changes how "ㅋㅋ" or "ㅅㅂ" tokenise; they pass through untouched.
bool is_kept_hangul(char32_t c) { return (c >= 0x3130 && c <= 0x318F) || (c >= 0xFFA0 && c <= 0xFFDC); }

// True when nothing before c can combine with c under NFKC, so normalising the text before c and
// the text from c on separately gives the same result as normalising both together. Scripts
// whose starters can be the second half of a composition (Indic vowel signs, conjoining jamo,
// halfwidth kana marks, SMP scripts) are never split, only coarser.
bool starts_segment(char32_t c) {
  if (c < 0x80 || (c >= 0xFF01 && c <= 0xFF5E)) return true;  // ASCII and its fullwidth forms
  if ((c >= 0x0900 && c <= 0x1DFF) || (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF) ||
      (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x10000 && c < 0x1F000))
    return false;
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class == 0;
}

class Emitter {
 public:
  explicit Emitter(NormalizedText& out, bool track) : out_(out), track_(track) {}

  // One output character that came from input bytes [begin, end).
  void put(char32_t c, std::size_t begin, std::size_t end) {
    if (is_whitespace(c)) {
      if (!space_pending_) space_begin_ = begin;
      space_pending_ = true;
      space_end_ = end;
      return;
    }
    if (space_pending_ && !out_.text.empty()) emit(U' ', space_begin_, space_end_);
    space_pending_ = false;
    emit(c, begin, end);
  }

 private:
  void emit(char32_t c, std::size_t begin, std::size_t end) {
    append_utf8(out_.text, c);
    if (track_) {
      out_.source_begin.resize(out_.text.size(), begin);
      out_.source_end.resize(out_.text.size(), end);
    }
  }

  NormalizedText& out_;
  bool track_;
  bool space_pending_ = false;
  std::size_t space_begin_ = 0, space_end_ = 0;
};

// NFKC of input[begin, end), emitted char by char: exact offsets when the segment is unchanged,
// the whole segment's range for each output char otherwise.
void flush_segment(std::string_view input, std::size_t begin, std::size_t end, Emitter& emit) {
  if (begin == end) return;
  const std::string_view seg = input.substr(begin, end - begin);
  utf8proc_uint8_t* mapped = nullptr;
  const auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE);
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(seg.data()),
                                          static_cast<utf8proc_ssize_t>(seg.size()), &mapped, options);
  const bool same = n < 0 || std::string_view(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n)) == seg;
  if (same) {
    std::size_t i = 0;
    while (i < seg.size()) {
      const Utf8Char ch = decode_utf8(seg, i);
      emit.put(ch.code, begin + i, begin + i + ch.length);
      i += ch.length;
    }
  } else {
    const std::string_view out(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n));
    std::size_t i = 0;
    while (i < out.size()) {
      const Utf8Char ch = decode_utf8(out, i);
      emit.put(ch.code, begin, end);
      i += ch.length;
    }
  }
  std::free(mapped);
}

void run(std::string_view input, bool lossy, bool track, NormalizedText& out) {
  out.text.reserve(input.size());
  if (track) {
    out.source_begin.reserve(input.size());
    out.source_end.reserve(input.size());
  }
  Emitter emit(out, track);
  std::size_t seg_begin = 0, i = 0;
  while (i < input.size()) {
    const Utf8Char ch = decode_utf8(input, i);
    if (!ch.valid) {
      if (!lossy) throw InputError("invalid UTF-8 at byte offset " + std::to_string(i));
      flush_segment(input, seg_begin, i, emit);
      emit.put(0xFFFD, i, i + ch.length);
      i += ch.length;
      seg_begin = i;
      continue;
    }
    const char32_t c = ch.code;
    const bool ascii_plain = c >= 0x21 && c < 0x7F;
    if (ascii_plain && seg_begin == i &&
        (i + 1 == input.size() || static_cast<unsigned char>(input[i + 1]) < 0x80)) {
      emit.put(c, i, i + 1);  // fast path: ASCII followed by ASCII is its own NFKC
      seg_begin = i += 1;
      continue;
    }
    if (is_whitespace(c) || is_control(c) || is_kept_hangul(c)) {
      flush_segment(input, seg_begin, i, emit);
      if (is_whitespace(c)) emit.put(U' ', i, i + ch.length);
      else if (is_kept_hangul(c)) emit.put(c, i, i + ch.length);
      i += ch.length;
      seg_begin = i;
      continue;
    }
    if (starts_segment(c)) {
      flush_segment(input, seg_begin, i, emit);
      seg_begin = i;
    }
    i += ch.length;
  }
  flush_segment(input, seg_begin, input.size(), emit);
}

}  // namespace

std::string normalize(std::string_view utf8) {
  NormalizedText out;
  run(utf8, false, false, out);
  return std::move(out.text);
}

std::string normalize_lossy(std::string_view utf8) {
  NormalizedText out;
  run(utf8, true, false, out);
  return std::move(out.text);
}

NormalizedText normalize_aligned(std::string_view utf8, bool lossy) {
  NormalizedText out;
  run(utf8, lossy, true, out);
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const Utf8Char ch = decode_utf8(bytes, i);
    if (!ch.valid) return false;
    i += ch.length;
  }
  return true;
}

std::pair<std::size_t, std::size_t> NormalizedText::source_range(std::size_t begin, std::size_t end) const {
  if (text.empty() || source_begin.empty()) return {0, 0};
  if (begin >= text.size()) return {source_end.back(), source_end.back()};
  if (end > text.size()) end = text.size();
  if (end <= begin) return {source_begin[begin], source_begin[begin]};
  return {source_begin[begin], source_end[end - 1]};
}

}  // namespace guardian::text

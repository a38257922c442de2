// Text normalisation applied before tokenising, training and scoring: Unicode NFKC (fullwidth
// "ＡＢＣ" -> "ABC", ligature "ﬁ" -> "fi") that keeps Korean as people type it (compatibility
// jamo "ㅋㅋ", "ㅅㅂ" and halfwidth Hangul stay as they are; syllables stay composed), whitespace
// runs collapsed to one space and trimmed, control characters removed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace guardian::text {

// InputError naming the byte offset of the first invalid UTF-8 sequence.
std::string normalize(std::string_view utf8);

// As normalize, but each invalid UTF-8 sequence becomes U+FFFD instead of an error.
std::string normalize_lossy(std::string_view utf8);

bool is_valid_utf8(std::string_view bytes);

// Normalised text with, for each of its bytes, the input byte range it came from; lets a
// tokenizer report offsets into the caller's original text.
struct NormalizedText {
  std::string text;
  std::vector<std::size_t> source_begin;  // per byte of text: first input byte it came from
  std::vector<std::size_t> source_end;    // per byte of text: one past the last input byte

  // The input byte range [begin, end) behind text bytes [begin, end).
  std::pair<std::size_t, std::size_t> source_range(std::size_t begin, std::size_t end) const;
};

// lossy as in normalize_lossy; otherwise InputError on invalid UTF-8.
NormalizedText normalize_aligned(std::string_view utf8, bool lossy = true);

}  // namespace guardian::text

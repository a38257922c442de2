// Hangul syllables and their initial consonants (choseong), the form users type to abbreviate a
// word ("ㅅㅂ" for "시발"): shared by the n-gram features and the spelling games of data/perturb.
#pragma once

namespace guardian::text {

inline bool is_hangul_syllable(char32_t c) { return c >= 0xAC00 && c <= 0xD7A3; }

// The initial consonant of a Hangul syllable as a compatibility jamo (ㄱ..ㅎ); c must be a syllable.
inline char32_t initial_consonant(char32_t syllable) {
  static constexpr char32_t kCompat[19] = {0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141,
                                           0x3142, 0x3143, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149,
                                           0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
  return kCompat[(syllable - 0xAC00) / (21 * 28)];
}

}  // namespace guardian::text

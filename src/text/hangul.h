// Hangul syllables, their initial consonants (choseong, the form users type to abbreviate a word:
// "ㅅㅂ" for "시발") and their letters (jamo): shared by the n-gram features and the spelling games of
// data/perturb.
#pragma once

#include <string>

namespace guardian::text {

inline bool is_hangul_syllable(char32_t c) { return c >= 0xAC00 && c <= 0xD7A3; }

// The initial consonant of a Hangul syllable as a compatibility jamo (ㄱ..ㅎ); c must be a syllable.
inline char32_t initial_consonant(char32_t syllable) {
  static constexpr char32_t kCompat[19] = {0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141,
                                           0x3142, 0x3143, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149,
                                           0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
  return kCompat[(syllable - 0xAC00) / (21 * 28)];
}

// A Hangul letter as users type it alone: a compatibility jamo consonant or vowel (ㄱ..ㅣ), and
// the consonants alone (ㄱ..ㅎ, the initials of "ㅂㅅ").
inline bool is_compat_jamo(char32_t c) { return c >= 0x3131 && c <= 0x3163; }
inline bool is_compat_consonant(char32_t c) { return c >= 0x3131 && c <= 0x314E; }

// Appends the letters of a syllable as compatibility jamo, the ones a keyboard types: initial
// consonant, vowel, and the final consonant when there is one ("발" -> ㅂ ㅏ ㄹ). In that alphabet
// a syllable typed as its initial alone ("ㅅ발") spells the start of the whole one's letters.
inline void append_jamo(char32_t syllable, std::u32string& out) {
  static constexpr char32_t kFinal[28] = {0,      0x3131, 0x3132, 0x3133, 0x3134, 0x3135, 0x3136,
                                          0x3137, 0x3139, 0x313A, 0x313B, 0x313C, 0x313D, 0x313E,
                                          0x313F, 0x3140, 0x3141, 0x3142, 0x3144, 0x3145, 0x3146,
                                          0x3147, 0x3148, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
  const char32_t index = syllable - 0xAC00;
  out.push_back(initial_consonant(syllable));
  out.push_back(0x314F + index / 28 % 21);  // the vowels ㅏ..ㅣ are in the syllables' order
  if (const char32_t final = kFinal[index % 28]) out.push_back(final);
}

}  // namespace guardian::text

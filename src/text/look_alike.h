// Look-alike characters users type for letters ("1d10t" for "idiot"), and the words such games
// leave alone: shared by the n-gram features (which read look-alikes back as letters) and the
// spelling games of data/perturb (which write them), so that what the game writes the features read.
#pragma once

#include <string_view>

namespace guardian::text {

// The letter a look-alike stands for (4 @ as a, 8 as b, 3 as e, 1 as i, 0 as o, 5 $ as s, 7 as t), or 0.
inline char32_t letter_of_look_alike(char32_t c) {
  switch (c) {
    case '4': case '@': return 'a';
    case '8': return 'b';
    case '3': return 'e';
    case '1': return 'i';
    case '0': return 'o';
    case '5': case '$': return 's';
    case '7': return 't';
    default: return 0;
  }
}

// The look-alike the leet game writes for a, e, i, o, s (either case): @ 3 1 0 $; 0 for any other.
inline char32_t look_alike_of_letter(char32_t c) {
  switch (c | 0x20) {  // ASCII lower case; a character past ASCII stays past it
    case 'a': return U'@';
    case 'e': return U'3';
    case 'i': return U'1';
    case 'o': return U'0';
    case 's': return U'$';
    default: return 0;
  }
}

// Mentions, hashtags and links: names, not words, so no game is played on them nor read back.
inline bool is_mention_tag_or_link(std::u32string_view word) {
  return word.starts_with(U"@") || word.starts_with(U"#") || word.starts_with(U"http");
}

}  // namespace guardian::text

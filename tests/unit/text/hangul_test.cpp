#include "text/hangul.h"

#include <gtest/gtest.h>

#include "text/utf8.h"

namespace guardian::text {
namespace {

std::string letters_of(const std::string& word) {
  std::u32string out;
  for (const char32_t c : decode_utf8(word)) append_jamo(c, out);
  return encode_utf8(out);
}

TEST(HangulTest, ASyllableSpellsItsLettersAsTyped) {
  EXPECT_EQ(letters_of("발"), "ㅂㅏㄹ");
  EXPECT_EQ(letters_of("시발"), "ㅅㅣㅂㅏㄹ");
  EXPECT_EQ(letters_of("가"), "ㄱㅏ");        // no final consonant
  EXPECT_EQ(letters_of("닭"), "ㄷㅏㄺ");      // a double final is one letter as typed
  EXPECT_EQ(letters_of("좆"), "ㅈㅗㅈ");
  EXPECT_EQ(letters_of("씨"), "ㅆㅣ");
  EXPECT_EQ(letters_of("의"), "ㅇㅢ");        // a compound vowel
  EXPECT_EQ(letters_of("힣"), "ㅎㅣㅎ");      // the last syllable
  // Each letter is one a user types alone, and the initial is the one choseong features use.
  for (char32_t s = 0xAC00; s <= 0xD7A3; s += 97) {
    std::u32string out;
    append_jamo(s, out);
    ASSERT_GE(out.size(), 2u);
    EXPECT_EQ(out[0], initial_consonant(s));
    for (const char32_t c : out) EXPECT_TRUE(is_compat_jamo(c)) << static_cast<uint32_t>(s);
  }
}

}  // namespace
}  // namespace guardian::text

// The look-alike tables: what the leet game writes, the n-gram features read back as the letter.
#include <gtest/gtest.h>

#include "text/look_alike.h"

namespace guardian::text {
namespace {

TEST(LookAlike, EveryLookAlikeTheGameWritesReadsBackAsItsLetter) {
  int written = 0;
  for (char32_t c = 'A'; c <= 'z'; ++c) {
    if (const char32_t shown = look_alike_of_letter(c)) {
      ++written;
      EXPECT_EQ(letter_of_look_alike(shown), c | 0x20) << static_cast<char>(c);
    }
  }
  EXPECT_EQ(written, 10) << "a, e, i, o, s in both cases";
  EXPECT_EQ(look_alike_of_letter(U'가'), 0u);
  EXPECT_EQ(letter_of_look_alike('x'), 0u);
}

TEST(LookAlike, MentionsTagsAndLinksAreNames) {
  for (const char32_t* word : {U"@user1", U"#b3st", U"https://t.co/a1"}) EXPECT_TRUE(is_mention_tag_or_link(word));
  for (const char32_t* word : {U"1d10t", U"a@b", U"시발"}) EXPECT_FALSE(is_mention_tag_or_link(word));
}

}  // namespace
}  // namespace guardian::text

#include "text/language.h"

#include <gtest/gtest.h>

namespace guardian::text {
namespace {

TEST(Language, DominantScriptByLetterCount) {
  EXPECT_EQ(dominant_script("안녕하세요 반갑습니다"), Script::kHangul);
  EXPECT_EQ(dominant_script("ㅋㅋㅋㅋ"), Script::kHangul);
  EXPECT_EQ(dominant_script("@user this is so stupid lol"), Script::kLatin);
  EXPECT_EQ(dominant_script("아 진짜 ok"), Script::kHangul);
  EXPECT_EQ(dominant_script("this is 진짜"), Script::kLatin);
  EXPECT_EQ(dominant_script("日本語のテキスト"), Script::kOther);
  EXPECT_EQ(dominant_script("Ｈｅｌｌｏ"), Script::kLatin);
  EXPECT_EQ(dominant_script("café naïve"), Script::kLatin);
}

TEST(Language, NoLettersIsNone) {
  EXPECT_EQ(dominant_script(""), Script::kNone);
  EXPECT_EQ(dominant_script("123 !!! 😀😀"), Script::kNone);
  EXPECT_EQ(dominant_script("\xFF\xFE"), Script::kNone);
}

TEST(Language, CountsAndNames) {
  const ScriptCounts c = count_scripts("ab 가나 ж 1");
  EXPECT_EQ(c.latin, 2);
  EXPECT_EQ(c.hangul, 2);
  EXPECT_EQ(c.other, 1);
  EXPECT_STREQ(script_name(Script::kHangul), "hangul");
  EXPECT_STREQ(script_name(Script::kNone), "none");
}

}  // namespace
}  // namespace guardian::text

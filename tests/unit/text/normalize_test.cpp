#include "text/normalize.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"

namespace guardian::text {
namespace {

TEST(Normalize, KeepsCompatibilityJamoAsTyped) {
  EXPECT_EQ(normalize("ㅋㅋㅋ"), "ㅋㅋㅋ");
  EXPECT_EQ(normalize("ㅅㅂ 진짜"), "ㅅㅂ 진짜");
  EXPECT_EQ(normalize("ㅠㅠ"), "ㅠㅠ");
  // Halfwidth Hangul (U+FFA0..U+FFDC) passes through too.
  EXPECT_EQ(normalize("\uFFA1\uFFC2"), "\uFFA1\uFFC2");
}

TEST(Normalize, HangulSyllablesStayComposed) {
  EXPECT_EQ(normalize("안녕하세요"), "안녕하세요");
  // Conjoining jamo compose into the syllable (NFC part of NFKC).
  EXPECT_EQ(normalize("\u1112\u1161\u11AB"), "한");
  // A syllable followed by a conjoining final composes.
  EXPECT_EQ(normalize("\uD558\u11AB"), "한");
}

TEST(Normalize, CompatibilityFormsFold) {
  EXPECT_EQ(normalize("ＡＢＣ１２３"), "ABC123");
  EXPECT_EQ(normalize("ﬁne"), "fine");
  EXPECT_EQ(normalize("e\u0301"), "\u00E9");
  EXPECT_EQ(normalize("①"), "1");
  EXPECT_EQ(normalize("ｶ"), "カ");  // halfwidth katakana
}

TEST(Normalize, EmojiAndOtherScriptsKept) {
  EXPECT_EQ(normalize("좋아요 😀👍"), "좋아요 😀👍");
  EXPECT_EQ(normalize("Привет мир"), "Привет мир");
  EXPECT_EQ(normalize("日本語"), "日本語");
}

TEST(Normalize, WhitespaceCollapsedAndTrimmed) {
  EXPECT_EQ(normalize("  hello \t\n  world  "), "hello world");
  EXPECT_EQ(normalize("a\u3000\u00A0b"), "a b");  // ideographic and no-break spaces
  EXPECT_EQ(normalize("\r\n"), "");
  EXPECT_EQ(normalize(""), "");
}

TEST(Normalize, ControlCharactersRemoved) {
  EXPECT_EQ(normalize(std::string("a\0b\x07" "c\x7f" "d", 7)), "abcd");
  EXPECT_EQ(normalize("x\u0085y"), "x y");  // NEL is whitespace
  EXPECT_EQ(normalize("x\u009Fy"), "xy");
}

TEST(Normalize, InvalidUtf8IsInputErrorWithOffset) {
  try {
    normalize("ok\xC3(");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(normalize("\xED\xA0\x80"), InputError);      // surrogate
  EXPECT_THROW(normalize("\xC0\xAF"), InputError);          // overlong
  EXPECT_THROW(normalize("\xF4\x90\x80\x80"), InputError);  // past U+10FFFF
  EXPECT_THROW(normalize("한\xEA\xB8"), InputError);        // truncated
}

TEST(Normalize, LossyReplacesInvalidSequences) {
  EXPECT_EQ(normalize_lossy("ok\xC3(x"), "ok\uFFFD(x");
  EXPECT_EQ(normalize_lossy("\xFF\xFE"), "\uFFFD\uFFFD");
  EXPECT_EQ(normalize_lossy("한\xEA\xB8"), "한\uFFFD");  // one replacement for a truncated sequence
}

TEST(Normalize, IsValidUtf8) {
  EXPECT_TRUE(is_valid_utf8("ㅋㅋ hello 😀"));
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("a\xF0\x9F\x98"));
}

TEST(Normalize, Idempotent) {
  for (const char* s : {"ＡＢＣ  ﬁ ㅋㅋ", "e\u0301\u0301 x", "\u1112\u1161 ㅅㅂ", "  a\tb  "}) {
    const std::string once = normalize(s);
    EXPECT_EQ(normalize(once), once) << s;
  }
}

TEST(Normalize, AlignedOffsetsPointIntoTheInput) {
  const std::string input = "  ＡＢ  ㅋㅋ 하";
  const NormalizedText n = normalize_aligned(input);
  EXPECT_EQ(n.text, "AB ㅋㅋ 하");
  ASSERT_EQ(n.source_begin.size(), n.text.size());
  // "A" came from the first fullwidth letter (bytes 2..5).
  EXPECT_EQ(n.source_range(0, 1), (std::pair<std::size_t, std::size_t>(2, 5)));
  // "ㅋㅋ" maps exactly onto its input bytes.
  const std::size_t k = n.text.find("ㅋㅋ");
  const auto r = n.source_range(k, k + 6);
  EXPECT_EQ(input.substr(r.first, r.second - r.first), "ㅋㅋ");
  // The collapsed space covers the whole input whitespace run.
  const auto sp = n.source_range(2, 3);
  EXPECT_EQ(input.substr(sp.first, sp.second - sp.first), "  ");
}

TEST(Normalize, RandomBytesNeverCrashLossy) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::string out = normalize_lossy(s);
    EXPECT_TRUE(is_valid_utf8(out));
    const NormalizedText n = normalize_aligned(s);
    EXPECT_EQ(n.text, out);
    for (std::size_t b = 0; b < n.text.size(); ++b) EXPECT_LE(n.source_end[b], s.size());
  }
}

}  // namespace
}  // namespace guardian::text

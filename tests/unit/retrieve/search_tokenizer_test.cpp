// The search tokenizer: Hangul bigrams (and lone syllables), lowercase NFKC words, offsets into
// the caller's text, and the quoted MATCH expression built from a question.
#include <gtest/gtest.h>

#include "core/error.h"
#include "retrieve/match_query.h"
#include "retrieve/search_tokenizer.h"

namespace guardian::retrieve {
namespace {

using Tokens = std::vector<std::string>;

TEST(SearchTokenizer, HangulRunsBecomeSyllableBigrams) {
  EXPECT_EQ(tokens_of("요금제를 변경하려면", HangulGrams::kBigrams),
            (Tokens{"요금", "금제", "제를", "변경", "경하", "하려", "려면"}));
}

TEST(SearchTokenizer, ALoneSyllableIsItsOwnToken) {
  EXPECT_EQ(tokens_of("물 한 잔", HangulGrams::kBigrams), (Tokens{"물", "한", "잔"}));
}

TEST(SearchTokenizer, UnigramsAndBigramsModeAddsEverySyllable) {
  EXPECT_EQ(tokens_of("데이터", HangulGrams::kUnigramsAndBigrams), (Tokens{"데", "데이", "이", "이터", "터"}));
}

TEST(SearchTokenizer, OtherScriptsAreLowercaseNfkcWords) {
  // Fullwidth letters fold to ASCII (NFKC) and case folds; punctuation separates.
  EXPECT_EQ(tokens_of("ＬＴＥ Handover, RRC-Setup!", HangulGrams::kBigrams),
            (Tokens{"lte", "handover", "rrc", "setup"}));
}

TEST(SearchTokenizer, ScriptChangesSplitTokens) {
  EXPECT_EQ(tokens_of("5G요금제", HangulGrams::kBigrams), (Tokens{"5g", "요금", "금제"}));
}

TEST(SearchTokenizer, OffsetsPointIntoTheOriginalBytes) {
  const std::string text = "  ＡＢ 요금";
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  tokenize(text, HangulGrams::kBigrams, [&](std::string_view, std::size_t b, std::size_t e) {
    ranges.emplace_back(b, e);
    return true;
  });
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(text.substr(ranges[0].first, ranges[0].second - ranges[0].first), "ＡＢ");
  EXPECT_EQ(text.substr(ranges[1].first, ranges[1].second - ranges[1].first), "요금");
}

TEST(SearchTokenizer, InvalidUtf8SeparatesAndDoesNotThrow) {
  EXPECT_EQ(tokens_of("abc\xff" "def", HangulGrams::kBigrams), (Tokens{"abc", "def"}));
}

TEST(SearchTokenizer, UnknownGramsNameIsAnError) {
  EXPECT_THROW(parse_hangul_grams("trigrams"), InputError);
  EXPECT_EQ(parse_hangul_grams(to_string(HangulGrams::kUnigramsAndBigrams)), HangulGrams::kUnigramsAndBigrams);
}

TEST(MatchQuery, QuotesEveryTokenAndJoinsWithOr) {
  EXPECT_EQ(match_query("요금제 LTE", HangulGrams::kBigrams), R"("요금" OR "금제" OR "lte")");
}

TEST(MatchQuery, OperatorsAndQuotesAreWordsNotSyntax) {
  EXPECT_EQ(match_query(R"(a OR b NEAR("x" -c*) title:d)", HangulGrams::kBigrams),
            R"("a" OR "or" OR "b" OR "near" OR "x" OR "c" OR "title" OR "d")");
}

TEST(MatchQuery, RepeatedTokensOnceAndEmptyQuestionEmpty) {
  EXPECT_EQ(match_query("lte LTE lte", HangulGrams::kBigrams), R"("lte")");
  EXPECT_EQ(match_query(" ?! ", HangulGrams::kBigrams), "");
}

}  // namespace
}  // namespace guardian::retrieve

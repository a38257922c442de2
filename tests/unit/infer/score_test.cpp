// The one scoring loop: chunks of kScoreChunk in order, every example once, its logits beside it.
#include <gtest/gtest.h>

#include "infer/score.h"

namespace guardian::infer {
namespace {

// One category whose level-1 logit is the text's length; counts the texts of each call.
class LengthModel : public models::Model {
 public:
  LengthModel() {
    policy_ = policy::Policy::parse("name = \"len\"\n[[category]]\nname = \"long\"\nlevels = [\"no\", \"yes\"]\n",
                                    "len.toml");
    id_ = "len@0";
  }
  std::vector<models::CategoryLogits> score(const std::vector<std::string>& texts) const override {
    calls.push_back(texts.size());
    std::vector<models::CategoryLogits> out;
    for (const auto& t : texts) out.push_back({{0.0f, static_cast<float>(t.size())}});
    return out;
  }
  std::string kind() const override { return "length"; }
  mutable std::vector<size_t> calls;  // the test's record of each call's size
};

std::vector<data::Example> examples(size_t n) {
  std::vector<data::Example> out(n);
  for (size_t i = 0; i < n; ++i) out[i].text = std::string(i % 7 + 1, 'x') + std::to_string(i);
  return out;
}

TEST(ScoreAll, ScoresEveryExampleInOrderInChunksOfTheStatedSize) {
  LengthModel model;
  const auto set = examples(2 * kScoreChunk + 3);
  const auto logits = score_all(model, set);
  ASSERT_EQ(logits.size(), set.size());
  for (size_t i = 0; i < set.size(); ++i) EXPECT_EQ(logits[i][0][1], static_cast<float>(set[i].text.size())) << i;
  EXPECT_EQ(model.calls, (std::vector<size_t>{kScoreChunk, kScoreChunk, 3}));
}

TEST(ScoreInChunks, HandsEachChunkItsFirstIndexAndNoneForAnEmptySet) {
  LengthModel model;
  std::vector<size_t> begins;
  score_in_chunks(model, examples(kScoreChunk + 1), [&](size_t begin, std::vector<models::CategoryLogits>& logits) {
    begins.push_back(begin);
    EXPECT_EQ(logits.size(), begin == 0 ? kScoreChunk : 1u);
  });
  EXPECT_EQ(begins, (std::vector<size_t>{0, kScoreChunk}));
  begins.clear();
  score_in_chunks(model, {}, [&](size_t begin, std::vector<models::CategoryLogits>&) { begins.push_back(begin); });
  EXPECT_TRUE(begins.empty());
  EXPECT_TRUE(score_all(model, {}).empty());
}

}  // namespace
}  // namespace guardian::infer

// Decision offsets: they find the bias that recovers a class the argmax never predicts, stay at
// zero when nothing is gained, and "checked" keeps them only when they carry over to held-out halves.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "eval/metrics.h"
#include "train/decision_bias.h"

namespace guardian::train {
namespace {

// Three levels; level 2's messages score just below level 1 (by 0.4), so argmax never says 2.
void shifted_task(std::vector<std::vector<float>>& logits, std::vector<int>& labels, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  for (int i = 0; i < n; ++i) {
    const int y = i % 3;
    labels.push_back(y);
    if (y == 0) logits.push_back({1.0f + noise(rng), 0.0f, -0.5f});
    if (y == 1) logits.push_back({0.0f, 1.0f + noise(rng), 0.0f});
    if (y == 2) logits.push_back({0.0f, 1.0f, 0.6f + noise(rng)});
  }
}

TEST(DecisionBiasTest, MacroF1IsTheMetersOnTheOffsetArgmax) {
  const std::vector<std::vector<float>> logits = {{0.0f, 1.0f}, {0.0f, -1.0f}, {0.0f, 0.5f}, {0.0f, 0.2f}};
  const std::vector<int> labels = {1, 0, 0, 1};
  eval::ClassMeter plain(2), moved(2);
  for (int p : {1, 0, 1, 1}) plain.add(labels[plain.count()], p);   // offset 0: argmax
  for (int p : {1, 0, 0, 0}) moved.add(labels[moved.count()], p);   // offset -0.6 on level 1
  EXPECT_DOUBLE_EQ(macro_f1_with_offsets(logits, labels, {0.0f, 0.0f}), plain.macro_f1());
  EXPECT_DOUBLE_EQ(macro_f1_with_offsets(logits, labels, {0.0f, -0.6f}), moved.macro_f1());
}

TEST(DecisionBiasTest, AnOffsetRecoversTheClassTheArgmaxMisses) {
  std::vector<std::vector<float>> logits;
  std::vector<int> labels;
  shifted_task(logits, labels, 300, 1);
  const auto offsets = fit_f1_offsets(logits, labels);
  ASSERT_EQ(offsets.size(), 3u);
  EXPECT_EQ(offsets[0], 0.0f);
  EXPECT_GT(offsets[2] - offsets[1], 0.4f);  // level 2 must now beat level 1 on its messages
  EXPECT_LT(macro_f1_with_offsets(logits, labels, {0.0f, 0.0f, 0.0f}), 0.7);
  EXPECT_GT(macro_f1_with_offsets(logits, labels, offsets), 0.95);
}

TEST(DecisionBiasTest, NothingToGainMeansNoOffsets) {
  std::vector<std::vector<float>> logits;
  std::vector<int> labels;
  for (int i = 0; i < 60; ++i) {
    labels.push_back(i % 2);
    logits.push_back(i % 2 ? std::vector<float>{0.0f, 2.0f} : std::vector<float>{0.0f, -2.0f});
  }
  EXPECT_EQ(fit_f1_offsets(logits, labels), (std::vector<float>{0.0f, 0.0f}));
  const auto checked = choose_decision_offsets(logits, labels, 2, "checked", 3);
  EXPECT_FALSE(checked.applied);
  EXPECT_EQ(checked.checked_gain, 0.0);
  EXPECT_EQ(checked.offsets, (std::vector<float>{0.0f, 0.0f}));
}

TEST(DecisionBiasTest, CheckedKeepsOffsetsThatCarryOverAndOffKeepsNone) {
  std::vector<std::vector<float>> logits;
  std::vector<int> labels;
  shifted_task(logits, labels, 300, 2);
  const auto checked = choose_decision_offsets(logits, labels, 3, "checked", 5);
  EXPECT_TRUE(checked.applied);
  EXPECT_GT(checked.checked_gain, 20.0);  // points of macro-F1 on the held-out halves
  EXPECT_EQ(checked.offsets, fit_f1_offsets(logits, labels));  // kept: fitted on all of it
  const auto off = choose_decision_offsets(logits, labels, 3, "off", 5);
  EXPECT_FALSE(off.applied);
  EXPECT_EQ(off.offsets, (std::vector<float>{0.0f, 0.0f, 0.0f}));
}

TEST(DecisionBiasTest, CheckedDropsOffsetsFittedToNoise) {
  // Labels unrelated to the scores: offsets fitted on one half only chase that half's noise.
  std::mt19937 rng(11);
  std::normal_distribution<float> score(0.0f, 1.0f);
  std::vector<std::vector<float>> logits;
  std::vector<int> labels;
  for (int i = 0; i < 400; ++i) {
    logits.push_back({0.0f, score(rng), score(rng)});
    labels.push_back(static_cast<int>(rng() % 3));
  }
  const auto checked = choose_decision_offsets(logits, labels, 3, "checked", 7);
  EXPECT_LE(checked.checked_gain, 0.0);
  EXPECT_FALSE(checked.applied);
  EXPECT_TRUE(choose_decision_offsets(logits, labels, 3, "on", 7).applied);  // "on" would have fitted the noise
}

TEST(DecisionBiasTest, ACategoryWithoutValidationLabelsGetsZeroOffsets) {
  // As the default policy's 'cultural' category: no labelled validation example at all.
  for (const char* mode : {"off", "on", "checked"}) {
    const auto choice = choose_decision_offsets({}, {}, 3, mode, 1);
    EXPECT_FALSE(choice.applied) << mode;
    EXPECT_EQ(choice.offsets, (std::vector<float>{0.0f, 0.0f, 0.0f})) << mode;
  }
}

TEST(DecisionBiasTest, SeededHalvesSplitEveryExampleOnceTheSameWayForASeed) {
  const auto [a, b] = seeded_halves(11, 5);
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(b.size(), 6u);
  std::vector<size_t> all(a);
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  EXPECT_EQ(seeded_halves(11, 5).first, a);
  EXPECT_NE(seeded_halves(11, 6).first, a);
  EXPECT_EQ(pick(std::vector<int>{10, 11, 12}, {2, 0}), (std::vector<int>{12, 10}));
}

TEST(DecisionBiasTest, SeededFoldsDealEveryExampleOnceInNearlyEqualFolds) {
  const auto folds = seeded_folds(12, 5, 3);
  ASSERT_EQ(folds.size(), 5u);
  std::vector<size_t> all;
  for (const auto& fold : folds) {
    EXPECT_TRUE(fold.size() == 2 || fold.size() == 3) << fold.size();
    all.insert(all.end(), fold.begin(), fold.end());
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  EXPECT_EQ(seeded_folds(12, 5, 3), folds);
}

}  // namespace
}  // namespace guardian::train

// NB-LR's feature scales (train/ngram_trainer.h), worked out by hand on four messages.
#include <cmath>

#include <gtest/gtest.h>

#include "train/ngram_trainer.h"

namespace guardian::train {
namespace {

data::Example labelled(int label) {
  data::Example e;
  e.labels = {label};
  return e;
}

TEST(NbLogRatios, LogOfTheLevelsShareOverTheRestsShare) {
  // One category of two levels, four buckets. Presence counts: the values are ignored.
  const std::vector<models::Features> raw = {{{0, 0.5f}, {1, 0.5f}},  // level 1
                                             {{1, 0.7f}, {2, 0.7f}},  // level 0
                                             {{3, 1.0f}},             // unknown: counted nowhere
                                             {{0, 0.9f}}};            // level 1
  const std::vector<data::Example> examples = {labelled(1), labelled(0), labelled(data::kUnknownLabel), labelled(1)};
  const auto r = nb_log_ratios(raw, examples, {2}, 4, 1.0);
  ASSERT_EQ(r.size(), 8u);  // [bucket * 2 + level]
  // Smoothed by 1: level 1 has presences (3, 2, 1, 1), sum 7; level 0 has (1, 2, 2, 1), sum 6.
  const double level1[] = {3, 2, 1, 1}, level0[] = {1, 2, 2, 1};
  for (int f = 0; f < 4; ++f) {
    EXPECT_NEAR(r[f * 2 + 1], std::log((level1[f] / 7) / (level0[f] / 6)), 1e-6) << f;
    EXPECT_NEAR(r[f * 2 + 0], std::log((level0[f] / 6) / (level1[f] / 7)), 1e-6) << f;
  }
  // A bucket only level 1 has scales level 1's weight up and level 0's down.
  EXPECT_GT(r[0 * 2 + 1], 0.0f);
  EXPECT_LT(r[0 * 2 + 0], 0.0f);
}

TEST(NbLogRatios, AnUnlabelledCategoryGivesEveryBucketTheSameScale) {
  // Category 0 known, category 1 unknown everywhere: its shares are all alpha / (buckets * alpha).
  data::Example a, b;
  a.labels = {1, data::kUnknownLabel};
  b.labels = {0, data::kUnknownLabel};
  const auto r = nb_log_ratios({{{0, 1.0f}}, {{1, 1.0f}}}, {a, b}, {2, 3}, 2, 0.5);
  ASSERT_EQ(r.size(), 10u);  // [bucket * 5 + column], columns 0-1 category 0, 2-4 category 1
  for (int f = 0; f < 2; ++f)
    for (int column = 2; column < 5; ++column) EXPECT_NEAR(r[f * 5 + column], 0.0f, 1e-6) << f << " " << column;
  EXPECT_GT(r[0 * 5 + 1], 0.0f);  // bucket 0 is level 1's
  EXPECT_GT(r[1 * 5 + 0], 0.0f);  // bucket 1 is level 0's
}

}  // namespace
}  // namespace guardian::train

// ClassMeter, ROC-AUC, average precision and the PR curve against hand-computed values; the
// expected numbers equal scikit-learn's (f1_score macro, roc_auc_score, average_precision_score)
// on the same inputs.
#include "eval/metrics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"

namespace guardian::eval {
namespace {

ClassMeter meter_of(int classes, const std::vector<int>& truth, const std::vector<int>& pred) {
  ClassMeter meter(classes);
  for (size_t i = 0; i < truth.size(); ++i) meter.add(truth[i], pred[i]);
  return meter;
}

TEST(ClassMeter, ConfusionAccuracyAndPerClassScores) {
  // y_true = [0,1,2,2,1,0,0], y_pred = [0,2,2,1,1,0,1]
  const auto meter = meter_of(3, {0, 1, 2, 2, 1, 0, 0}, {0, 2, 2, 1, 1, 0, 1});
  const std::vector<std::vector<int64_t>> expected = {{2, 1, 0}, {0, 1, 1}, {0, 1, 1}};
  EXPECT_EQ(meter.confusion(), expected);
  EXPECT_EQ(meter.count(), 7);
  EXPECT_DOUBLE_EQ(meter.accuracy(), 4.0 / 7.0);
  EXPECT_DOUBLE_EQ(meter.precision(0), 1.0);
  EXPECT_DOUBLE_EQ(meter.recall(0), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(meter.f1(0), 0.8);
  EXPECT_DOUBLE_EQ(meter.precision(1), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(meter.recall(1), 0.5);
  EXPECT_DOUBLE_EQ(meter.f1(1), 0.4);
  EXPECT_DOUBLE_EQ(meter.f1(2), 0.5);
  // sklearn f1_score(..., average="macro") = 0.5666...
  EXPECT_DOUBLE_EQ(meter.macro_f1(), (0.8 + 0.4 + 0.5) / 3.0);
}

TEST(ClassMeter, MacroF1SkipsClassesAbsentFromTruthAndPredictions) {
  // Class 2 never occurs: sklearn's default labels are {0, 1}, so macro-F1 = 2/3, not 4/9.
  const auto meter = meter_of(3, {0, 0, 1}, {0, 1, 1});
  EXPECT_FALSE(meter.present(2));
  EXPECT_DOUBLE_EQ(meter.macro_f1(), 2.0 / 3.0);
}

TEST(ClassMeter, MacroF1CountsAClassOnlyPredicted) {
  // Class 1 is predicted but never true: it counts with F1 0 (sklearn gives 1/3).
  const auto meter = meter_of(2, {0, 0}, {0, 1});
  EXPECT_DOUBLE_EQ(meter.precision(1), 0.0);
  EXPECT_DOUBLE_EQ(meter.recall(1), 0.0);
  EXPECT_DOUBLE_EQ(meter.macro_f1(), 1.0 / 3.0);
}

TEST(ClassMeter, EmptyMeterIsNaN) {
  ClassMeter meter(3);
  EXPECT_TRUE(std::isnan(meter.accuracy()));
  EXPECT_TRUE(std::isnan(meter.macro_f1()));
  EXPECT_DOUBLE_EQ(meter.precision(0), 0.0);
}

TEST(ClassMeter, MergeAddsCounts) {
  auto a = meter_of(2, {0, 1}, {0, 0});
  a.merge(meter_of(2, {1}, {1}));
  EXPECT_EQ(a.count(), 3);
  EXPECT_EQ(a.confusion()[1][1], 1);
  EXPECT_THROW(a.merge(ClassMeter(3)), InputError);
}

TEST(ClassMeter, RejectsBadInput) {
  EXPECT_THROW(ClassMeter(0), InputError);
  ClassMeter meter(2);
  EXPECT_THROW(meter.add(2, 0), InputError);
  EXPECT_THROW(meter.add(0, -1), InputError);
  EXPECT_THROW(meter.f1(5), std::exception);
}

TEST(WilsonInterval, MatchesTheWorkedValues) {
  // Worked by hand from Wilson (1927) with z = 1.96: 5 of 10 is 0.5 +- 0.2634; 0 of 10 reaches
  // 0.2775, where the normal approximation would give [0, 0].
  auto ci = wilson_interval(5, 10);
  EXPECT_NEAR(ci.low, 0.2366, 1e-4);
  EXPECT_NEAR(ci.high, 0.7634, 1e-4);
  ci = wilson_interval(0, 10);
  EXPECT_DOUBLE_EQ(ci.low, 0.0);
  EXPECT_NEAR(ci.high, 0.2775, 1e-4);
  ci = wilson_interval(10, 10);
  EXPECT_NEAR(ci.low, 0.7225, 1e-4);
  EXPECT_DOUBLE_EQ(ci.high, 1.0);
  // More trials, a narrower interval around the same share.
  EXPECT_LT(wilson_interval(500, 1000).high - wilson_interval(500, 1000).low, 0.07);
  ci = wilson_interval(0, 0);  // nothing known
  EXPECT_DOUBLE_EQ(ci.low, 0.0);
  EXPECT_DOUBLE_EQ(ci.high, 1.0);
  EXPECT_THROW(wilson_interval(11, 10), InputError);
}

TEST(Calibration, BinsEceAndBrierByHand) {
  // Bins [0, .1): .05 (0); [.1, .2): .15 (1); [.9, 1]: .95 and 1.0 (both 1).
  const auto c = calibration({0.05, 0.15, 0.95, 1.0}, {0, 1, 1, 1});
  ASSERT_EQ(c.bins.size(), 3u);
  EXPECT_DOUBLE_EQ(c.bins[0].low, 0.0);
  EXPECT_DOUBLE_EQ(c.bins[0].high, 0.1);
  EXPECT_EQ(c.bins[2].count, 2);
  EXPECT_DOUBLE_EQ(c.bins[2].low, 0.9);
  EXPECT_NEAR(c.bins[2].mean_score, 0.975, 1e-12);
  EXPECT_DOUBLE_EQ(c.bins[2].positive_rate, 1.0);
  EXPECT_NEAR(c.ece, 0.25 * 0.05 + 0.25 * 0.85 + 0.5 * 0.025, 1e-12);
  EXPECT_NEAR(c.brier, (0.0025 + 0.7225 + 0.0025 + 0.0) / 4, 1e-12);
  // Perfectly calibrated in every bin: ECE 0.
  EXPECT_NEAR(calibration({0.5, 0.5, 0.0, 1.0}, {1, 0, 0, 1}).ece, 0.0, 1e-12);
  // One bin: |mean score - positive rate|.
  EXPECT_NEAR(calibration({0.2, 0.4}, {1, 1}, 1).ece, 0.7, 1e-12);
  // A rounding error past 1 is the last bin; more is an error, as is no bin.
  EXPECT_EQ(calibration({1.0 + 1e-12}, {1}).bins.back().high, 1.0);
  EXPECT_THROW(calibration({1.5}, {1}), InputError);
  EXPECT_THROW(calibration({-0.1}, {0}), InputError);
  EXPECT_THROW(calibration({0.5}, {1}, 0), InputError);
  EXPECT_THROW(calibration({0.5}, {2}), InputError);
}

TEST(RocAuc, MatchesScikitLearnExample) {
  // roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) == 0.75
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.75);
}

TEST(RocAuc, TiesCountHalf) {
  // Pairs (pos, neg): 0.5 vs 0.5 -> 1/2, 0.5 vs 0.2 -> 1, 0.9 vs both -> 2; 3.5 / 4.
  EXPECT_DOUBLE_EQ(roc_auc({0.5, 0.5, 0.2, 0.9}, {0, 1, 0, 1}), 0.875);
  EXPECT_DOUBLE_EQ(roc_auc({0.3, 0.3, 0.3}, {0, 1, 1}), 0.5);
}

TEST(RocAuc, PerfectAndInvertedRankings) {
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), 0.0);
}

TEST(RocAuc, NaNWhenOneClassIsAbsent) {
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.9}, {1, 1})));
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.9}, {0, 0})));
}

TEST(RocAuc, RejectsBadInput) {
  EXPECT_THROW(roc_auc({0.1}, {0, 1}), InputError);
  EXPECT_THROW(roc_auc({}, {}), InputError);
  EXPECT_THROW(roc_auc({0.1, NAN}, {0, 1}), InputError);
  EXPECT_THROW(roc_auc({0.1, 0.2}, {0, 2}), InputError);
}

TEST(AveragePrecision, MatchesScikitLearnExample) {
  // average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) == 0.8333...
  EXPECT_DOUBLE_EQ(average_precision({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.5 + 0.5 * 2.0 / 3.0);
}

TEST(AveragePrecision, TiedScoresFormOneThreshold) {
  // Threshold 0.5 flags both tied rows: P = 1/2 at R = 1/2; then P = 2/3 at R = 1.
  EXPECT_DOUBLE_EQ(average_precision({0.5, 0.5, 0.2}, {1, 0, 1}), 0.25 + 0.5 * 2.0 / 3.0);
  EXPECT_TRUE(std::isnan(average_precision({0.5, 0.2}, {0, 0})));
  EXPECT_DOUBLE_EQ(average_precision({0.5, 0.2}, {1, 1}), 1.0);
}

TEST(PrCurve, OnePointPerDistinctScoreDescending) {
  const auto curve = precision_recall_curve({0.2, 0.7, 0.9, 0.7}, {1, 0, 0, 1});
  ASSERT_EQ(curve.points.size(), 3u);
  EXPECT_EQ(curve.positives, 2);
  EXPECT_EQ(curve.negatives, 2);
  EXPECT_DOUBLE_EQ(curve.points[0].threshold, 0.9);
  EXPECT_DOUBLE_EQ(curve.points[1].threshold, 0.7);
  EXPECT_EQ(curve.points[1].true_positives, 1);
  EXPECT_EQ(curve.points[1].false_positives, 2);
  EXPECT_DOUBLE_EQ(curve.precision(1), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(curve.recall(1), 0.5);
  EXPECT_DOUBLE_EQ(curve.f1(2), 2.0 / 3.0);
}

}  // namespace
}  // namespace guardian::eval

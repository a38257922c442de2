// Temperature fitting on synthetic data with a known temperature, threshold choice for
// precision/recall targets (ties, exact hits, unreachable targets), target parsing, and the
// precision-at-recall table.
#include "eval/calibration.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "core/error.h"

namespace guardian::eval {
namespace {

// Logits uniform in [-3, 3) and labels drawn from softmax(logits / true_t). mt19937_64 is
// specified by the standard, so the data are the same everywhere.
void synthetic(double true_t, size_t n, std::vector<std::vector<double>>& logits,
               std::vector<int>& labels) {
  std::mt19937_64 rng(42);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  logits.assign(n, std::vector<double>(3));
  labels.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    std::vector<double> p(3);
    for (int k = 0; k < 3; ++k) {
      logits[i][k] = 6.0 * uniform() - 3.0;
      p[k] = std::exp(logits[i][k] / true_t);
      sum += p[k];
    }
    double u = uniform() * sum;
    int label = 0;
    while (label < 2 && u >= p[label]) u -= p[label++];
    labels[i] = label;
  }
}

TEST(FitTemperature, RecoversAKnownTemperature) {
  for (double true_t : {0.5, 2.0}) {
    std::vector<std::vector<double>> logits;
    std::vector<int> labels;
    synthetic(true_t, 20000, logits, labels);
    const double t = fit_temperature(logits, labels);
    EXPECT_NEAR(t, true_t, 0.03 * true_t) << "true T " << true_t;
  }
}

TEST(FitTemperature, FindsTheMinimumOfTheNll) {
  std::vector<std::vector<double>> logits;
  std::vector<int> labels;
  synthetic(1.5, 2000, logits, labels);
  const double t = fit_temperature(logits, labels);
  const double at_t = temperature_nll(logits, labels, t);
  EXPECT_LT(at_t, temperature_nll(logits, labels, t * 1.02));
  EXPECT_LT(at_t, temperature_nll(logits, labels, t / 1.02));
  EXPECT_LT(at_t, temperature_nll(logits, labels, 1.0));
}

TEST(FitTemperature, SeparableDataHitsTheLowerBound) {
  // Every label is the argmax: sharper is always better, so T goes to the edge of the range.
  const std::vector<std::vector<double>> logits = {{2, 0}, {0, 3}, {1, -1}};
  const double t = fit_temperature(logits, {0, 1, 0});
  EXPECT_NEAR(t, kMinTemperature, 1e-4);
}

TEST(FitTemperature, SkipsUnknownLabels) {
  const std::vector<std::vector<double>> logits = {{2, 0}, {0, 3}, {5, -5}};
  EXPECT_DOUBLE_EQ(fit_temperature(logits, {0, 1, -1}), fit_temperature({{2, 0}, {0, 3}}, {0, 1}));
}

// Binary rows whose P(toxic) is sigmoid(x / T + offset) exactly: at each logit x in [-6, 6], 1000
// rows with that share of them toxic (to 1/1000).
void binary_rows(double true_t, double true_offset, std::vector<std::vector<double>>& logits, std::vector<int>& labels) {
  for (int k = -24; k <= 24; ++k) {
    const double x = 0.25 * k;
    const int positives = static_cast<int>(std::lround(1000.0 / (1.0 + std::exp(-(x / true_t + true_offset)))));
    for (int i = 0; i < 1000; ++i) {
      logits.push_back({0.0, x});
      labels.push_back(i < positives ? 1 : 0);
    }
  }
}

TEST(FitScaling, RecoversAKnownTemperatureAndOffset) {
  for (const auto& [true_t, true_offset] : std::vector<std::pair<double, double>>{{2.0, -1.0}, {0.7, 0.5}, {1.0, 0.0}}) {
    std::vector<std::vector<double>> logits;
    std::vector<int> labels;
    binary_rows(true_t, true_offset, logits, labels);
    const auto fitted = fit_scaling(logits, labels);
    EXPECT_NEAR(fitted.temperature, true_t, 0.01 * true_t) << true_t << " " << true_offset;
    EXPECT_NEAR(fitted.offset, true_offset, 0.01) << true_t << " " << true_offset;
  }
}

TEST(FitScaling, SkipsUnknownLabelsAndRejectsWhatFitTemperatureRejects) {
  const auto with_unknown = fit_scaling({{2, 0}, {0, 1}, {1, 0}, {0, 0.5}, {5, -5}}, {0, 1, 1, 0, -1});
  const auto without = fit_scaling({{2, 0}, {0, 1}, {1, 0}, {0, 0.5}}, {0, 1, 1, 0});
  EXPECT_DOUBLE_EQ(with_unknown.temperature, without.temperature);
  EXPECT_DOUBLE_EQ(with_unknown.offset, without.offset);
  EXPECT_THROW(fit_scaling({}, {}), InputError);
  EXPECT_THROW(fit_scaling({{1, 2}}, {2}), InputError);
}

TEST(FitTemperature, RejectsBadInput) {
  EXPECT_THROW(fit_temperature({{1, 2}}, {0, 1}), InputError);
  EXPECT_THROW(fit_temperature({}, {}), InputError);
  EXPECT_THROW(fit_temperature({{1, 2}, {1, 2, 3}}, {0, 0}), InputError);
  EXPECT_THROW(fit_temperature({{1}}, {0}), InputError);
  EXPECT_THROW(fit_temperature({{1, 2}}, {2}), InputError);
  EXPECT_THROW(fit_temperature({{1, INFINITY}}, {0}), InputError);
  EXPECT_THROW(fit_temperature({{1, 2}}, {-1}), InputError);
  EXPECT_THROW(temperature_nll({{1, 2}}, {0}, 0.0), InputError);
}

TEST(Target, ParsesAndPrints) {
  const auto p = Target::parse("precision=0.9");
  EXPECT_EQ(p.metric, Target::kPrecision);
  EXPECT_DOUBLE_EQ(p.value, 0.9);
  const auto r = Target::parse(" recall = 0.8 ");
  EXPECT_EQ(r.metric, Target::kRecall);
  EXPECT_DOUBLE_EQ(r.value, 0.8);
  EXPECT_EQ(p.to_string(), "precision=0.9");
  EXPECT_EQ(Target::parse(r.to_string()).value, 0.8);
}

TEST(Target, ParsesTheBestF1TargetsWithoutAValue) {
  EXPECT_EQ(Target::parse("f1").metric, Target::kF1);
  EXPECT_EQ(Target::parse(" macro_f1 ").metric, Target::kMacroF1);
  EXPECT_EQ(Target::parse(Target::parse("macro_f1").to_string()).metric, Target::kMacroF1);
  EXPECT_EQ(Target::parse("f1").to_string(), "f1");
  for (const char* text : {"f1=0.5", "macro_f1=1", "macro", "F1"}) {
    EXPECT_THROW(Target::parse(text), ConfigError) << text;
  }
}

TEST(Target, RejectsMalformedText) {
  for (const char* text : {"", "precision", "accuracy=0.9", "precision=", "precision=abc",
                           "recall=0.9x", "precision=0", "recall=1.5", "recall=-0.2"}) {
    EXPECT_THROW(Target::parse(text), ConfigError) << text;
  }
  try {
    Target::parse("f1=0.5");
    FAIL() << "Target::parse(\"f1=0.5\") did not throw";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("f1=0.5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("takes no value"), std::string::npos) << e.what();
  }
}

// Thresholds, highest first:   .9    .8    .7    .6    .5    .4
// truth                         1     1     0     1     0     0
// precision                     1     1    2/3   3/4   3/5   1/2
// recall                       1/3   2/3   2/3    1     1     1
const std::vector<double> kScores = {0.5, 0.9, 0.7, 0.4, 0.8, 0.6};
const std::vector<int> kTruth = {0, 1, 0, 0, 1, 1};

TEST(PickThreshold, PrecisionTargetTakesTheLowestThresholdMeetingIt) {
  auto c = pick_threshold(kScores, kTruth, Target::parse("precision=0.9"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.8);
  EXPECT_DOUBLE_EQ(c.precision, 1.0);
  EXPECT_DOUBLE_EQ(c.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.f1, 0.8);
  EXPECT_EQ(c.flagged, 2);  // the counts behind them, for their intervals
  EXPECT_EQ(c.true_positives, 2);
  EXPECT_EQ(c.positives, 3);
  // Exactly 3/4 meets 0.75, and beats the higher threshold .8 on recall.
  c = pick_threshold(kScores, kTruth, Target::parse("precision=0.75"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.6);
  EXPECT_DOUBLE_EQ(c.recall, 1.0);
  EXPECT_EQ(c.flagged, 4);
  EXPECT_EQ(c.true_positives, 3);
}

TEST(PickThreshold, RecallTargetTakesTheHighestThresholdMeetingIt) {
  auto c = pick_threshold(kScores, kTruth, Target::parse("recall=0.5"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.8);
  c = pick_threshold(kScores, kTruth, Target::parse("recall=0.3"));
  EXPECT_DOUBLE_EQ(c.threshold, 0.9);
  c = pick_threshold(kScores, kTruth, Target::parse("recall=1"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.6);
  EXPECT_DOUBLE_EQ(c.precision, 0.75);
}

TEST(PickThreshold, TiedScoresAreFlaggedTogether) {
  // .9 -> (P 0, R 0); .7 (tied pair, one of each) -> (P 1/3, R 1/2); .2 -> (P 1/2, R 1).
  const std::vector<double> scores = {0.9, 0.7, 0.7, 0.2};
  const std::vector<int> truth = {0, 1, 0, 1};
  const auto c = pick_threshold(scores, truth, Target::parse("recall=0.5"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.7);
  EXPECT_DOUBLE_EQ(c.precision, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.recall, 0.5);
}

TEST(PickThreshold, UnreachableTargetFallsBackToBestF1) {
  const std::vector<double> scores = {0.9, 0.7, 0.7, 0.2};
  const std::vector<int> truth = {0, 1, 0, 1};
  // No threshold reaches precision .9; F1 is 0, .4, 2/3 -> threshold .2.
  const auto c = pick_threshold(scores, truth, Target::parse("precision=0.9"));
  EXPECT_FALSE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.2);
  EXPECT_DOUBLE_EQ(c.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.precision, 0.5);
}

// Thresholds, highest first:   .8    .7    .6    .5    .4    .3    .2    .1
// truth                         1     1     0     0     0     1     1     0
// F1 of the flagged class      .40   .67   .57   .50   .44   .60   .73   .67
// macro-F1                     .56   .73   .62   .50   .36   .47   .56   .33
// The flagged class's F1 is best flagging 7 of 8; the mean with the allowed class's F1 is best
// flagging 2, which is why the two targets differ.
const std::vector<double> kSpread = {0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1};
const std::vector<int> kSpreadTruth = {1, 1, 0, 0, 0, 1, 1, 0};

TEST(PickThreshold, F1TargetTakesTheBestF1OfTheFlaggedClass) {
  const auto c = pick_threshold(kSpread, kSpreadTruth, Target::parse("f1"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.2);
  EXPECT_DOUBLE_EQ(c.f1, 8.0 / 11.0);       // tp 4, fp 3, fn 0
  EXPECT_DOUBLE_EQ(c.macro_f1, (8.0 / 11.0 + 2.0 / 5.0) / 2.0);  // allowed: tn 1, fn 0, fp 3
}

TEST(PickThreshold, MacroF1TargetTakesTheBestMeanOfBothClasses) {
  const auto c = pick_threshold(kSpread, kSpreadTruth, Target::parse("macro_f1"));
  EXPECT_TRUE(c.met);
  EXPECT_DOUBLE_EQ(c.threshold, 0.7);
  EXPECT_DOUBLE_EQ(c.precision, 1.0);
  EXPECT_DOUBLE_EQ(c.recall, 0.5);
  EXPECT_DOUBLE_EQ(c.macro_f1, (2.0 / 3.0 + 0.8) / 2.0);  // allowed: tn 4, fn 2, fp 0
}

TEST(PickThreshold, RejectsDataWithoutPositives) {
  EXPECT_THROW(pick_threshold({0.1, 0.2}, {0, 0}, Target::parse("recall=0.5")), InputError);
  EXPECT_THROW(pick_threshold({0.1}, {0, 1}, Target::parse("recall=0.5")), InputError);
  EXPECT_THROW(pick_threshold({}, {}, Target::parse("recall=0.5")), InputError);
}

TEST(PrecisionAtRecall, BestPrecisionAmongThresholdsReachingEachRecall) {
  const auto table = precision_at_recall_table(kScores, kTruth, {0.5, 0.9, 1.0});
  ASSERT_EQ(table.size(), 3u);
  EXPECT_DOUBLE_EQ(table[0].target_recall, 0.5);
  EXPECT_DOUBLE_EQ(table[0].threshold, 0.8);
  EXPECT_DOUBLE_EQ(table[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(table[0].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(table[1].threshold, 0.6);
  EXPECT_DOUBLE_EQ(table[1].precision, 0.75);
  EXPECT_DOUBLE_EQ(table[2].threshold, 0.6);
  EXPECT_EQ(precision_at_recall_table(kScores, kTruth).size(), 6u);
}

TEST(PrecisionAtRecall, RejectsRecallsOutsideTheUnitInterval) {
  EXPECT_THROW(precision_at_recall_table(kScores, kTruth, {0.0}), InputError);
  EXPECT_THROW(precision_at_recall_table(kScores, kTruth, {1.2}), InputError);
  EXPECT_THROW(precision_at_recall_table({0.3}, {0}, {0.5}), InputError);
}

}  // namespace
}  // namespace guardian::eval

namespace guardian::eval {
namespace {

TEST(Target, ParsesTheShareTargetWithAndWithoutAValue) {
  const auto reference = Target::parse(" share ");
  EXPECT_EQ(reference.metric, Target::kShare);
  EXPECT_TRUE(reference.from_reference);
  EXPECT_EQ(reference.to_string(), "share");
  const auto fixed = Target::parse("share = 0.42");
  EXPECT_EQ(fixed.metric, Target::kShare);
  EXPECT_FALSE(fixed.from_reference);
  EXPECT_DOUBLE_EQ(fixed.value, 0.42);
  EXPECT_EQ(fixed.to_string(), "share=0.42");
  EXPECT_DOUBLE_EQ(Target::parse(fixed.to_string()).value, 0.42);
  EXPECT_DOUBLE_EQ(Target::parse("share=0").value, 0.0);  // flag nothing is a share too
  for (const char* text : {"share=1.5", "share=-0.1", "share=", "share=x", "shares=0.3"}) {
    EXPECT_THROW(Target::parse(text), ConfigError) << text;
  }
}

TEST(ThresholdForShare, TheClosestShareOfTheDistinctScores) {
  // Ten scores, .05 .. .95: flagging the top k is a share of k / 10.
  std::vector<double> scores;
  for (int i = 0; i < 10; ++i) scores.push_back(0.05 + 0.1 * i);
  auto c = threshold_for_share(scores, 0.3);
  EXPECT_DOUBLE_EQ(c.threshold, 0.75);
  EXPECT_DOUBLE_EQ(c.share, 0.3);
  c = threshold_for_share(scores, 0.34);  // 0.3 is closer than 0.4
  EXPECT_DOUBLE_EQ(c.share, 0.3);
  c = threshold_for_share(scores, 0.36);
  EXPECT_DOUBLE_EQ(c.threshold, 0.65);
  EXPECT_DOUBLE_EQ(c.share, 0.4);
  c = threshold_for_share(scores, 0.35);  // a tie takes the smaller share
  EXPECT_DOUBLE_EQ(c.share, 0.3);
  c = threshold_for_share(scores, 1.0);
  EXPECT_DOUBLE_EQ(c.threshold, 0.05);
  EXPECT_DOUBLE_EQ(c.share, 1.0);
  // None: just above the highest score, and it flags nothing.
  c = threshold_for_share(scores, 0.0);
  EXPECT_GT(c.threshold, 0.95);
  EXPECT_LE(c.threshold, 1.0);
  EXPECT_DOUBLE_EQ(c.share, 0.0);
  // The order of the input does not matter.
  std::reverse(scores.begin(), scores.end());
  EXPECT_DOUBLE_EQ(threshold_for_share(scores, 0.3).threshold, 0.75);
}

TEST(ThresholdForShare, TiesAreFlaggedTogetherAndOnesAlways) {
  // .9 .5 .5 .5 .1: a share of 0.4 is 0.2 (the .9) or 0.8 (with the three .5s): 0.2 is closer.
  auto c = threshold_for_share({0.5, 0.9, 0.5, 0.1, 0.5}, 0.4);
  EXPECT_DOUBLE_EQ(c.threshold, 0.9);
  EXPECT_DOUBLE_EQ(c.share, 0.2);
  c = threshold_for_share({0.5, 0.9, 0.5, 0.1, 0.5}, 0.6);
  EXPECT_DOUBLE_EQ(c.threshold, 0.5);
  EXPECT_DOUBLE_EQ(c.share, 0.8);
  // Scores of 1 are flagged by any threshold: a share of 0 is out of reach, 1 is the threshold.
  c = threshold_for_share({1.0, 1.0, 0.2, 0.1}, 0.0);
  EXPECT_DOUBLE_EQ(c.threshold, 1.0);
  EXPECT_DOUBLE_EQ(c.share, 0.5);
  // A score of 0 is never flagged (thresholds are > 0): the whole set is out of reach.
  c = threshold_for_share({0.0, 0.0, 0.6, 0.7}, 1.0);
  EXPECT_DOUBLE_EQ(c.threshold, 0.6);
  EXPECT_DOUBLE_EQ(c.share, 0.5);
}

// measure_threshold gives a threshold's figures, worked by hand on kScores/kTruth.
TEST(MeasureThreshold, TheFiguresOfAGivenThreshold) {
  // 0.65 flags .9 .7 .8: 2 of 3 right, 2 of 3 positives; allowed: .5 .4 right, .6 missed.
  auto c = measure_threshold(kScores, kTruth, 0.65);
  EXPECT_DOUBLE_EQ(c.threshold, 0.65);
  EXPECT_TRUE(c.met);
  EXPECT_EQ(c.flagged, 3);
  EXPECT_EQ(c.true_positives, 2);
  EXPECT_EQ(c.positives, 3);
  EXPECT_DOUBLE_EQ(c.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.macro_f1, 2.0 / 3.0);  // allowed F1: 2 * 2 / (2 * 2 + 1 + 1)
  // A score equal to the threshold is flagged.
  EXPECT_EQ(measure_threshold(kScores, kTruth, 0.7).flagged, 3);
  // Above every score nothing is flagged: precision 0, and the allowed class's F1 (6/9) halved.
  c = measure_threshold(kScores, kTruth, 0.95);
  EXPECT_EQ(c.flagged, 0);
  EXPECT_DOUBLE_EQ(c.precision, 0.0);
  EXPECT_DOUBLE_EQ(c.recall, 0.0);
  EXPECT_DOUBLE_EQ(c.macro_f1, 1.0 / 3.0);
  // At the lowest score everything is.
  c = measure_threshold(kScores, kTruth, 0.4);
  EXPECT_EQ(c.flagged, 6);
  EXPECT_DOUBLE_EQ(c.precision, 0.5);
  EXPECT_DOUBLE_EQ(c.recall, 1.0);
  EXPECT_THROW(measure_threshold({0.2, 0.3}, {0, 0}, 0.5), InputError);
}

TEST(ThresholdForShare, RejectsBadInput) {
  EXPECT_THROW(threshold_for_share({}, 0.5), InputError);
  EXPECT_THROW(threshold_for_share({0.2, 1.2}, 0.5), InputError);
  EXPECT_THROW(threshold_for_share({0.2, std::nan("")}, 0.5), InputError);
  EXPECT_THROW(threshold_for_share({0.2}, 1.1), InputError);
}

}  // namespace
}  // namespace guardian::eval

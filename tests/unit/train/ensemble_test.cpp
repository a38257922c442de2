// Fitting an ensemble's combination on validation scores: a member that knows the answer gets the
// weight, a member that is noise does not, and the level bias corrects a member's skewed prior.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "train/ensemble_trainer.h"

namespace guardian::train {
namespace {

std::vector<float> log_probs(double p_toxic) {
  return {static_cast<float>(std::log(1.0 - p_toxic)), static_cast<float>(std::log(p_toxic))};
}

TEST(EnsembleFitTest, TheInformativeMemberGetsTheWeight) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> noise(0.05, 0.95);
  std::vector<std::vector<std::vector<float>>> lp;
  std::vector<int> labels;
  for (int i = 0; i < 400; ++i) {
    const int y = i % 2;
    labels.push_back(y);
    lp.push_back({log_probs(y ? 0.8 : 0.2), log_probs(noise(rng))});  // member 0 knows, member 1 guesses
  }
  auto [w, b] = fit_combination(lp, labels, {1.0f, 1.0f});
  ASSERT_EQ(w.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_GT(w[0], 0.8f);
  EXPECT_LT(w[1], 0.2f * w[0]);
  EXPECT_GE(w[1], 0.0f);
}

TEST(EnsembleFitTest, BiasCorrectsASkewedMember) {
  // The member says 0.6 toxic for clean messages and 0.9 for toxic ones: the fitted bias must
  // move the clean ones below one half.
  std::vector<std::vector<std::vector<float>>> lp;
  std::vector<int> labels;
  for (int i = 0; i < 200; ++i) {
    labels.push_back(i % 2);
    lp.push_back({log_probs(i % 2 ? 0.9 : 0.6)});
  }
  auto [w, b] = fit_combination(lp, labels, {1.0f, 1.0f});
  auto z = [&](double p) { return b[1] + w[0] * std::log(p) - (b[0] + w[0] * std::log(1 - p)); };
  EXPECT_LT(z(0.6), 0.0);
  EXPECT_GT(z(0.9), 0.0);
}

TEST(EnsembleFitTest, CascadeThresholdKeepsTheFlaggedMessagesAtTheRecall) {
  // One member (the gate) and the identity combination: the ensemble flags what the gate scores
  // above one half; 100 such messages with gate scores 0.51..0.60 and 100 clean ones at 0.05.
  models::EnsembleSpec spec{{"ngram", "ngram_bag"}, {{1.0f, 0.0f}}, {{0.0f, 0.0f}}};
  std::vector<std::vector<models::CategoryLogits>> lp(2);
  for (int i = 0; i < 200; ++i) {
    const double p = i < 100 ? 0.51 + 0.001 * i : 0.05;
    for (auto& member : lp) member.push_back({log_probs(p)});
  }
  auto report = fit_cascade(spec, lp, 0.9, {true});
  EXPECT_EQ(spec.gate, 0);
  // 90% of the flagged keep going on: the threshold is the 10th lowest flagged gate score.
  EXPECT_NEAR(spec.gate_threshold, 0.51 + 0.001 * 10, 1e-4);
  EXPECT_NEAR(report["skipped_fraction"].get<double>(), 0.55, 1e-9);  // 100 clean + 10 flagged of 200
}

TEST(EnsembleFitTest, NoExamplesGivesEqualWeights) {
  auto [w, b] = fit_combination({}, {}, {1.0f, 1.0f, 1.0f});
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(b, std::vector<float>(3, 0.0f));
}

}  // namespace
}  // namespace guardian::train

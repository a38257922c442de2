// Fitting an ensemble's combination on validation scores: a member that knows the answer gets the
// weight, a member that is noise does not, and the level bias corrects a member's skewed prior.
#include <algorithm>
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
  auto [w, b] = fit_combination(lp, labels, 2, {1.0f, 1.0f});
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
  auto [w, b] = fit_combination(lp, labels, 1, {1.0f, 1.0f});
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

// Two members that each know the answer 70% of the time, independently, and the labels.
void two_noisy_members(std::vector<std::vector<std::vector<float>>>& lp, std::vector<int>& labels, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution right(0.7);
  for (int i = 0; i < n; ++i) {
    const int y = i % 3 == 0;
    labels.push_back(y);
    auto guess = [&] { return right(rng) == (y == 1) ? 0.8 : 0.2; };
    lp.push_back({log_probs(guess()), log_probs(guess())});
  }
}

TEST(EnsembleFitTest, ServeScoresWithoutAFitAreEachCandidatesValidationMacroF1) {
  // With fit = "none" and no offsets the stack is the members' plain mean, the same in every
  // fold, so its out-of-fold score is its score on all of it.
  std::vector<std::vector<std::vector<float>>> lp;
  std::vector<int> labels;
  two_noisy_members(lp, labels, 301, 3);
  EnsembleConfig ensemble;
  ensemble.fit = "none";
  const auto scores = held_out_serve_scores(lp, labels, {1.0f, 1.0f}, ensemble, 9);
  ASSERT_EQ(scores.size(), 3u);
  for (size_t candidate = 0; candidate < 3; ++candidate) {
    std::vector<std::vector<float>> logits;
    for (const auto& row : lp) {
      if (candidate == 0) logits.push_back({0.5f * (row[0][0] + row[1][0]), 0.5f * (row[0][1] + row[1][1])});
      else logits.push_back(row[candidate - 1]);
    }
    EXPECT_NEAR(scores[candidate], macro_f1_with_offsets(logits, labels, {0.0f, 0.0f}), 1e-9) << candidate;
  }
  EXPECT_GT(scores[0], scores[1]);  // two independent 70% members agree more often than either is right alone
}

TEST(EnsembleFitTest, EachFoldIsScoredByAStackThatNeverSawIt) {
  // One member that says nothing (0.5 everywhere), so the stack predicts the majority level of the
  // data it was fitted on. Fold 0 is all clean; the other folds are 58% toxic. Over all of it
  // clean is the majority (46.4% toxic), so a stack fitted in sample says clean everywhere. Out of
  // fold, fold 0 is scored by the other folds' stack (58% toxic: it says toxic) and each other
  // fold by one that sees fold 0 (43.5% toxic: it says clean).
  constexpr int kFoldSize = 100;
  const auto folds = seeded_folds(kServeFolds * kFoldSize, kServeFolds, 4);
  std::vector<std::vector<std::vector<float>>> lp(kServeFolds * kFoldSize, {log_probs(0.5)});
  std::vector<int> labels(lp.size(), 0), out_of_fold(lp.size(), 0), in_sample(lp.size(), 0);
  for (size_t f = 1; f < folds.size(); ++f)
    for (int k = 0; k < 58; ++k) labels[folds[f][k]] = 1;
  for (size_t i : folds[0]) out_of_fold[i] = 1;
  auto macro_f1_of = [&](const std::vector<int>& predicted) {
    std::vector<std::vector<float>> one_hot;
    for (int p : predicted) one_hot.push_back(p ? std::vector<float>{0.0f, 1.0f} : std::vector<float>{1.0f, 0.0f});
    return macro_f1_with_offsets(one_hot, labels, {0.0f, 0.0f});
  };
  ASSERT_NE(macro_f1_of(out_of_fold), macro_f1_of(in_sample));  // the case tells the two apart
  const auto scores = held_out_serve_scores(lp, labels, {1.0f, 1.0f}, EnsembleConfig{}, 4);
  EXPECT_NEAR(scores[0], macro_f1_of(out_of_fold), 1e-9);
  EXPECT_NEAR(scores[1], macro_f1_of(in_sample), 1e-9);  // the member alone: argmax of a tie is clean
}

TEST(EnsembleFitTest, AStackWithoutExamplesHasEqualWeightsOverItsMembers) {
  // As the default policy's 'cultural' category: no labelled validation example, three members.
  EnsembleConfig ensemble;
  ensemble.f1_offsets = "checked";
  const auto stack = fit_stack({}, {}, 3, {1.0f, 1.0f, 1.0f}, ensemble, 1);
  ASSERT_EQ(stack.weights.size(), 3u);
  for (float w : stack.weights) EXPECT_FLOAT_EQ(w, 1.0f / 3.0f);
  EXPECT_EQ(stack.bias, (std::vector<float>{0.0f, 0.0f, 0.0f}));
}

TEST(EnsembleFitTest, NoExamplesGivesEqualWeights) {
  // Two members, three levels, nothing to fit on: each member gets half, no level is favoured.
  auto [w, b] = fit_combination({}, {}, 2, {1.0f, 1.0f, 1.0f});
  EXPECT_EQ(w, std::vector<float>(2, 0.5f));
  EXPECT_EQ(b, std::vector<float>(3, 0.0f));
}

}  // namespace
}  // namespace guardian::train

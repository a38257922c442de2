// Each logits processor against a case worked by hand, their order, and the per-sequence RNG.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "generate/sampler.h"

namespace guardian::generate {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

torch::Tensor row(std::vector<float> values) { return torch::tensor(values, torch::kFloat32); }

// Logits whose softmax is exactly these probabilities.
torch::Tensor logits_of(std::vector<double> probs) {
  return torch::tensor(probs, torch::kFloat64).log().to(torch::kFloat32);
}

// Indices of the tokens a filter kept (logit not -inf).
std::vector<int64_t> kept(const torch::Tensor& logits) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < logits.size(0); ++i) {
    if (logits[i].item<float>() != -kInf) out.push_back(i);
  }
  return out;
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  // transformers: score < 0 ? score * penalty : score / penalty, over ids seen (repeats count once).
  const auto out = apply_repetition_penalty(row({2.0f, -1.0f, 0.5f, 3.0f}), {0, 1, 1}, 2.0);
  EXPECT_TRUE(torch::equal(out, row({1.0f, -2.0f, 0.5f, 3.0f}))) << out;
}

TEST(Sampler, RepetitionPenaltyChangesTheGreedyChoice) {
  SamplerSettings s;
  s.repetition_penalty = 2.0;
  // Token 0 (3.0) seen: 1.5 < 2.0, so token 1 wins.
  const auto processed = process_logits(row({3.0f, 2.0f, -1.0f}), {0}, s);
  EXPECT_EQ(Sampler(s).choose(processed), 1);
}

TEST(Sampler, TemperatureDividesTheLogits) {
  EXPECT_TRUE(torch::allclose(apply_temperature(row({2.0f, 4.0f}), 2.0), row({1.0f, 2.0f})));
}

TEST(Sampler, TopKKeepsTheKLargestAndTheirTies) {
  const auto logits = row({1.0f, 3.0f, 2.0f, 3.0f, 0.0f});
  EXPECT_EQ(kept(apply_top_k(logits, 2)), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(kept(apply_top_k(logits, 3)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(kept(apply_top_k(logits, 0)).size(), 5u);
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  const auto logits = logits_of({0.5, 0.3, 0.15, 0.05});
  // Ascending cumulative mass 0.05, 0.20, 0.50, 1.00; a token goes when its mass <= 1 - p.
  EXPECT_EQ(kept(apply_top_p(logits, 0.75)), (std::vector<int64_t>{0, 1}));     // drop <= 0.25
  EXPECT_EQ(kept(apply_top_p(logits, 0.85)), (std::vector<int64_t>{0, 1, 2}));  // drop <= 0.15
  EXPECT_EQ(kept(apply_top_p(logits, 0.4)), (std::vector<int64_t>{0}));         // drop <= 0.6
  EXPECT_EQ(kept(apply_top_p(logits, 0.01)), (std::vector<int64_t>{0}));        // the top token always stays
}

TEST(Sampler, MinPDropsTokensBelowAShareOfTheTopProbability) {
  const auto logits = logits_of({0.5, 0.3, 0.15, 0.05});
  EXPECT_EQ(kept(apply_min_p(logits, 0.2)), (std::vector<int64_t>{0, 1, 2}));  // below 0.1 goes
  EXPECT_EQ(kept(apply_min_p(logits, 0.5)), (std::vector<int64_t>{0, 1}));     // below 0.25 goes
  EXPECT_EQ(kept(apply_min_p(logits, 1.0)), (std::vector<int64_t>{0}));
}

TEST(Sampler, TemperatureComesBeforeTopP) {
  // At T = 0.5 the probabilities become ~0.685, 0.247, 0.062, 0.007: top-p 0.9 keeps two tokens.
  // Applied to the untempered distribution it would keep three.
  SamplerSettings s;
  s.do_sample = true;
  s.temperature = 0.5;
  s.top_p = 0.9;
  const auto logits = logits_of({0.5, 0.3, 0.15, 0.05});
  EXPECT_EQ(kept(process_logits(logits, {}, s)), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(kept(apply_top_p(logits, 0.9)), (std::vector<int64_t>{0, 1, 2}));
}

TEST(Sampler, GreedyIgnoresTheSamplingFilters) {
  SamplerSettings s;  // do_sample false
  s.top_k = 1;
  s.temperature = 0.1;
  const auto logits = row({0.0f, 1.0f, 2.0f});
  EXPECT_TRUE(torch::equal(process_logits(logits, {}, s), logits));
}

std::vector<int64_t> draws(uint64_t seed, int n) {
  SamplerSettings s;
  s.do_sample = true;
  s.seed = seed;
  Sampler sampler(s);
  const auto logits = torch::zeros({50});  // uniform over 50 tokens
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(sampler.choose(process_logits(logits, {}, s)));
  return out;
}

TEST(Sampler, SameSeedSameDrawsOtherSeedOtherDraws) {
  EXPECT_EQ(draws(7, 40), draws(7, 40));
  EXPECT_NE(draws(7, 40), draws(8, 40));
}

TEST(Sampler, DrawsOnlyKeptTokens) {
  SamplerSettings s;
  s.do_sample = true;
  s.top_k = 2;
  s.seed = 3;
  Sampler sampler(s);
  const auto logits = row({0.0f, 5.0f, 4.9f, 1.0f});
  for (int i = 0; i < 50; ++i) {
    const auto id = sampler.choose(process_logits(logits, {}, s));
    EXPECT_TRUE(id == 1 || id == 2) << id;
  }
}

TEST(Sampler, BadSettingsAreRefused) {
  SamplerSettings s;
  s.top_p = 0;
  EXPECT_THROW(Sampler{s}, InputError);
  s = {};
  s.temperature = 0;
  EXPECT_THROW(Sampler{s}, InputError);
}

}  // namespace
}  // namespace guardian::generate

// The RoPE frequencies of the scaled types the goldens do not cover directly ("linear" on a Llama,
// "dynamic"), against the formulas written out in double precision.
#include <gtest/gtest.h>

#include <cmath>

#include "models/decoders/rope.h"

namespace guardian::models::decoders {
namespace {

// 1 / base^(2i / dim) for i < dim / 2, in double.
std::vector<double> expected_inv_freq(double base, int64_t dim) {
  std::vector<double> out;
  for (int64_t i = 0; i < dim; i += 2) out.push_back(1.0 / std::pow(base, static_cast<double>(i) / static_cast<double>(dim)));
  return out;
}

void expect_close(const torch::Tensor& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[static_cast<int64_t>(i)].item<double>(), expected[i], 1e-6 * expected[i]) << "frequency " << i;
  }
}

TEST(Rope, DefaultFollowsTheBase) {
  RopeParameters rope;
  rope.rope_theta = 500000.0;
  expect_close(rope_inv_freq(rope, 16, 256, 0), expected_inv_freq(500000.0, 16));
}

TEST(Rope, LinearDividesEveryFrequencyByTheFactor) {
  RopeParameters rope;
  rope.rope_type = "linear";
  rope.factor = 4.0;
  auto expected = expected_inv_freq(10000.0, 16);
  for (auto& f : expected) f /= 4.0;
  expect_close(rope_inv_freq(rope, 16, 256, 0), expected);
}

TEST(Rope, DynamicGrowsTheBaseOnlyPastTheTrainedContext) {
  RopeParameters rope;
  rope.rope_type = "dynamic";
  rope.factor = 2.0;
  expect_close(rope_inv_freq(rope, 16, 256, 200), expected_inv_freq(10000.0, 16));
  // seq_len 512 over 256 trained: base * (2 * 512 / 256 - 1)^(16 / 14).
  expect_close(rope_inv_freq(rope, 16, 256, 512), expected_inv_freq(10000.0 * std::pow(3.0, 16.0 / 14.0), 16));
  // The positions decide: a table for positions past the context uses the grown base.
  const auto near = rope_tables(rope, 16, 256, torch::tensor({{10}}, torch::kInt64));
  const auto far = rope_tables(rope, 16, 256, torch::tensor({{10, 511}}, torch::kInt64));
  EXPECT_GT((near.cos[0][0] - far.cos[0][0]).abs().max().item<double>(), 1e-4);
}

TEST(Rope, Llama3KeepsShortWavelengthsAndScalesLongOnes) {
  RopeParameters rope;
  rope.rope_type = "llama3";
  rope.rope_theta = 500000.0;
  rope.factor = 8.0;
  rope.low_freq_factor = 1.0;
  rope.high_freq_factor = 4.0;
  rope.original_max_position_embeddings = 64;
  const auto base = expected_inv_freq(500000.0, 16);
  const auto scaled = rope_inv_freq(rope, 16, 256, 0);
  for (size_t i = 0; i < base.size(); ++i) {
    const double wavelen = 2 * M_PI / base[i];
    double expected = base[i];
    if (wavelen > 64.0) {
      expected = base[i] / 8.0;
    } else if (wavelen >= 16.0) {
      const double smooth = (64.0 / wavelen - 1.0) / 3.0;
      expected = (1 - smooth) * base[i] / 8.0 + smooth * base[i];
    }
    EXPECT_NEAR(scaled[static_cast<int64_t>(i)].item<double>(), expected, 1e-6 * expected) << "frequency " << i;
  }
}

}  // namespace
}  // namespace guardian::models::decoders

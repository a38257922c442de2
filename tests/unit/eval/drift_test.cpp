// The drift check's two-proportion test and its two conditions (beyond noise, large enough),
// on values worked out by hand.
#include "eval/drift.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace guardian::eval {
namespace {

TEST(Drift, SameShareIsNoDrift) {
  const auto d = compare_shares(0.5, 100, 50, 100);
  EXPECT_DOUBLE_EQ(d.observed, 0.5);
  EXPECT_DOUBLE_EQ(d.reference, 0.5);
  EXPECT_DOUBLE_EQ(d.z, 0.0);
  EXPECT_FALSE(d.drifted);
}

TEST(Drift, ALargeMoveBeyondNoiseDrifts) {
  // pooled (50 + 80) / 200 = 0.65; se = sqrt(0.65 * 0.35 * (1/100 + 1/100)) = 0.0674537;
  // z = 0.3 / se = 4.44750
  const auto d = compare_shares(0.5, 100, 80, 100);
  EXPECT_NEAR(d.z, 4.44750, 1e-4);
  EXPECT_TRUE(d.drifted);
  // fewer flagged: the same z, negative
  const auto down = compare_shares(0.5, 100, 20, 100);
  EXPECT_NEAR(down.z, -4.44750, 1e-4);
  EXPECT_TRUE(down.drifted);
}

TEST(Drift, AMoveWithinNoiseDoesNot) {
  // pooled 0.6; se = sqrt(0.24 * 0.02) = 0.0692820; z = 0.2 / se = 2.88675 < 4
  const auto d = compare_shares(0.5, 100, 70, 100);
  EXPECT_NEAR(d.z, 2.88675, 1e-4);
  EXPECT_FALSE(d.drifted);
}

TEST(Drift, ASignificantButSmallMoveDoesNot) {
  // a million rows each: 0.40 -> 0.42 is far beyond noise (z ~ 28.9) but moves 5% of the reference
  const auto d = compare_shares(0.40, 1000000, 420000, 1000000);
  EXPECT_GT(d.z, 28.0);
  EXPECT_FALSE(d.drifted);
}

TEST(Drift, TheBenchsHateSplit) {
  // 0.385 of 970 validation rows against 924 of 1000: pooled 1297.45 / 1970 = 0.658604;
  // se = sqrt(0.658604 * 0.341396 * (1/970 + 1/1000)) = 0.0213690; z = 0.539 / se = 25.224
  const auto d = compare_shares(0.385, 970, 924, 1000);
  EXPECT_NEAR(d.z, 25.224, 1e-2);
  EXPECT_TRUE(d.drifted);
}

TEST(Drift, AReferenceOfZero) {
  EXPECT_FALSE(compare_shares(0.0, 100, 0, 100).drifted);
  EXPECT_DOUBLE_EQ(compare_shares(0.0, 100, 0, 100).z, 0.0);
  // pooled 0.025; se = sqrt(0.025 * 0.975 * 0.002) = 0.00698212; z = 0.05 / se = 7.16115
  const auto d = compare_shares(0.0, 1000, 50, 1000);
  EXPECT_NEAR(d.z, 7.16115, 1e-4);
  EXPECT_TRUE(d.drifted);
}

TEST(Drift, NothingToCompareIsNoDrift) {
  const auto none = compare_shares(0.3, 100, 0, 0);
  EXPECT_DOUBLE_EQ(none.z, 0.0);
  EXPECT_FALSE(none.drifted);
  EXPECT_FALSE(compare_shares(0.3, 0, 90, 100).drifted);
}

TEST(Drift, RejectsImpossibleCounts) {
  EXPECT_THROW(compare_shares(1.5, 100, 1, 10), InputError);
  EXPECT_THROW(compare_shares(-0.1, 100, 1, 10), InputError);
  EXPECT_THROW(compare_shares(0.5, 100, 11, 10), InputError);
  EXPECT_THROW(compare_shares(0.5, -1, 1, 10), InputError);
  EXPECT_THROW(compare_shares(0.5, 100, -1, 10), InputError);
}

}  // namespace
}  // namespace guardian::eval

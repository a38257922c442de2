// decide(): flag on the largest log-odds margin over a threshold, allow reporting the top category, the
// non-deciding categories, and the gated cascade.
#include <cmath>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "core/fs.h"
#include "policy/policy.h"

namespace guardian::policy {
namespace {

Category binary(const std::string& name, double threshold, bool decides = true) {
  return {name, "", {"no", "yes"}, threshold, 1.0, decides, std::nullopt};
}

// Level probabilities of a binary category whose P(level >= 1) is p.
std::vector<double> p2(double p) { return {1.0 - p, p}; }

Policy three() {
  Policy p;
  p.name = "three";
  p.categories = {binary("a", 0.5), binary("b", 0.8), {"c", "", {"none", "mild", "severe"}, 0.3, 1.0, true, std::nullopt}};
  p.validate();
  return p;
}

TEST(SeverityProbability, SumsEveryLevelAboveNone) {
  EXPECT_DOUBLE_EQ(severity_probability({0.7, 0.3}), 0.3);
  EXPECT_DOUBLE_EQ(severity_probability({0.5, 0.2, 0.3}), 0.5);
  EXPECT_DOUBLE_EQ(severity_probability({1.0, 0.0, 0.0, 0.0, 0.0}), 0.0);
  EXPECT_DOUBLE_EQ(severity_probability({0.0, 0.25, 0.25, 0.25, 0.25}), 1.0);
  EXPECT_DOUBLE_EQ(severity_probability({1.0}), 0.0);
  EXPECT_DOUBLE_EQ(severity_probability({}), 0.0);
}

TEST(Decide, FlagsTheCategoryWithTheLargestMarginNotTheLargestScore) {
  const Policy p = three();
  // In log-odds, a: logit 0.7 - logit 0.5 = 0.85; b: logit 0.9 - logit 0.8 = 0.81 (higher score,
  // smaller margin); c: 0.2 below 0.3.
  const Decision d = decide(p, {p2(0.7), p2(0.9), {0.8, 0.1, 0.1}});
  EXPECT_TRUE(d.flagged);
  EXPECT_EQ(d.category, "a");
  EXPECT_DOUBLE_EQ(d.score, 0.7);
  EXPECT_DOUBLE_EQ(d.threshold, 0.5);
  // c's margin (logit 0.6 - logit 0.3 = 1.25) beats a's.
  const Decision e = decide(p, {p2(0.7), p2(0.9), {0.4, 0.1, 0.5}});
  EXPECT_TRUE(e.flagged);
  EXPECT_EQ(e.category, "c");
  EXPECT_DOUBLE_EQ(e.score, 0.6);
  EXPECT_DOUBLE_EQ(e.threshold, 0.3);
}

TEST(Decide, ACategoryThatIsCertainOutranksOneJustPastALowThreshold) {
  const Policy p = three();
  // a: 0.75 against 0.5 is 0.25 past in probability, 1.10 in log-odds; b: 0.99 against 0.8 is
  // 0.19 past, 3.21 in log-odds. A probability margin would name a, which is capped at 0.5.
  const Decision d = decide(p, {p2(0.75), p2(0.99), {1.0, 0.0, 0.0}});
  EXPECT_TRUE(d.flagged);
  EXPECT_EQ(d.category, "b");
  EXPECT_DOUBLE_EQ(d.score, 0.99);
  // Certainty stays finite, and more of it is further past.
  EXPECT_GT(threshold_margin(1.0, 0.8), threshold_margin(0.999, 0.8));
  EXPECT_TRUE(std::isfinite(threshold_margin(1.0, 0.5)));
  EXPECT_TRUE(std::isfinite(threshold_margin(0.0, 0.5)));
  EXPECT_DOUBLE_EQ(threshold_margin(0.5, 0.5), 0.0);
}

TEST(Decide, AScoreExactlyAtTheThresholdFlags) {
  const Policy p = three();
  const Decision d = decide(p, {p2(0.5), p2(0.0), {1.0, 0.0, 0.0}});
  EXPECT_TRUE(d.flagged);
  EXPECT_EQ(d.category, "a");
}

TEST(Decide, AllowReportsTheTopScoringCategory) {
  const Policy p = three();
  const Decision d = decide(p, {p2(0.4), p2(0.79), {0.8, 0.2, 0.0}});
  EXPECT_FALSE(d.flagged);
  EXPECT_EQ(d.category, "b");
  EXPECT_DOUBLE_EQ(d.score, 0.79);
  EXPECT_DOUBLE_EQ(d.threshold, 0.8);
}

TEST(Decide, NonDecidingCategoriesNeverFlagNorReport) {
  Policy p;
  p.name = "p";
  p.categories = {binary("clean", 0.5, false), binary("abuse", 0.5)};
  p.validate();
  const Decision d = decide(p, {p2(1.0), p2(0.1)});
  EXPECT_FALSE(d.flagged);
  EXPECT_EQ(d.category, "abuse");
  EXPECT_DOUBLE_EQ(d.score, 0.1);

  // The default policy's General: entirely hurtful yet it does not flag on its own.
  const Policy def = Policy::load(core::config_dir() / "policies" / "default.toml");
  std::vector<std::vector<double>> probs(def.categories.size(), {1.0, 0.0, 0.0});
  probs[def.index_of("general")] = {0.0, 0.0, 0.0, 0.0, 1.0};
  const Decision g = decide(def, probs);
  EXPECT_FALSE(g.flagged);
  EXPECT_NE(g.category, "general");
  probs[def.index_of("insult")] = {0.2, 0.5, 0.3};
  const Decision i = decide(def, probs);
  EXPECT_TRUE(i.flagged);
  EXPECT_EQ(i.category, "insult");
  EXPECT_DOUBLE_EQ(i.score, 0.8);
}

class Cascade : public ::testing::Test {
 protected:
  Policy policy_ = Policy::load(core::config_dir() / "policies" / "cascade.toml");
  std::vector<std::vector<double>> probs_ = std::vector<std::vector<double>>(policy_.categories.size(), {1.0, 0.0, 0.0});
  void set(const std::string& name, std::vector<double> levels) { probs_[policy_.index_of(name)] = std::move(levels); }
};

TEST_F(Cascade, GateBelowThresholdAllowsEvenWhenOthersCross) {
  set("toxic", p2(0.2));
  set("hate", {0.0, 0.0, 1.0});
  set("insult", {0.1, 0.9, 0.0});
  const Decision d = decide(policy_, probs_);
  EXPECT_FALSE(d.flagged);
  EXPECT_EQ(d.category, "toxic");
  EXPECT_DOUBLE_EQ(d.score, 0.2);
  EXPECT_DOUBLE_EQ(d.threshold, 0.5);
}

TEST_F(Cascade, GateAboveThresholdLetsTheOthersDecide) {
  set("toxic", p2(0.9));
  set("hate", {0.4, 0.3, 0.3});    // 0.6: margin 0.1
  set("insult", {0.1, 0.9, 0.0});  // 0.9: margin 0.4
  const Decision d = decide(policy_, probs_);
  EXPECT_TRUE(d.flagged);
  EXPECT_EQ(d.category, "insult");
  EXPECT_DOUBLE_EQ(d.score, 0.9);
}

TEST_F(Cascade, TheGateAloneNeverFlags) {
  set("toxic", p2(1.0));
  set("bias", {0.6, 0.4, 0.0});
  const Decision d = decide(policy_, probs_);
  EXPECT_FALSE(d.flagged);
  EXPECT_EQ(d.category, "bias");  // the top of the others, not the gate
  EXPECT_DOUBLE_EQ(d.score, 0.4);
}

TEST(Decide, AGateThatDecidesStillNeverFlagsAlone) {
  Policy p;
  p.name = "p";
  p.gate = "g";
  p.categories = {binary("g", 0.5, true), binary("x", 0.5)};
  p.validate();
  EXPECT_FALSE(decide(p, {p2(0.99), p2(0.1)}).flagged);
  EXPECT_TRUE(decide(p, {p2(0.99), p2(0.6)}).flagged);
  EXPECT_FALSE(decide(p, {p2(0.1), p2(0.99)}).flagged);
}

TEST(Decide, WrongNumberOfCategoriesIsAnError) {
  const Policy p = three();
  EXPECT_THROW(decide(p, {p2(0.5)}), InputError);
  EXPECT_THROW(decide(p, {}), InputError);
}

}  // namespace
}  // namespace guardian::policy

// models::to_probabilities: the temperature and the offsets (the category's and its languages') a
// policy applies to a model's logits.
#include <gtest/gtest.h>

#include <cmath>

#include "models/model.h"
#include "policy/policy.h"

namespace guardian::models {
namespace {

// A category's language offset moves P(level >= 1) by exactly its log-odds for messages in that
// language, leaves the levels above "none" in proportion, and leaves other languages alone.
TEST(ToProbabilities, ALanguageOffsetShiftsTheOddsOfHarmForThatLanguageOnly) {
  policy::Policy p;
  p.name = "p";
  policy::Category c;
  c.name = "hate";
  c.levels = {"none", "mild", "severe"};
  c.temperature = 2.0;
  c.language_offset["ko"] = std::log(3.0);
  p.categories.push_back(c);
  const CategoryLogits logits = {{0.0f, 1.0f, 2.0f}};
  const auto plain = to_probabilities(logits, p, "en")[0];
  const auto korean = to_probabilities(logits, p, "ko")[0];
  EXPECT_EQ(to_probabilities(logits, p, "unknown")[0], plain);
  // softmax([0, 0.5, 1]) for the message without an offset
  const double total = 1.0 + std::exp(0.5) + std::exp(1.0);
  EXPECT_NEAR(plain[0], 1.0 / total, 1e-12);
  auto odds = [](const std::vector<double>& q) { return (q[1] + q[2]) / q[0]; };
  EXPECT_NEAR(odds(korean), 3.0 * odds(plain), 1e-9);
  EXPECT_NEAR(korean[1] / korean[2], plain[1] / plain[2], 1e-12);
  EXPECT_NEAR(korean[0] + korean[1] + korean[2], 1.0, 1e-12);
}

// The category's own offset (fitted with the temperature by calibrate) moves every language's odds,
// and a language offset adds to it.
TEST(ToProbabilities, TheCategoryOffsetShiftsEveryMessagesOddsAndALanguageOffsetAddsToIt) {
  policy::Policy p;
  p.name = "p";
  policy::Category c;
  c.name = "toxic";
  c.levels = {"clean", "toxic"};
  p.categories.push_back(c);
  const CategoryLogits logits = {{0.2f, 1.0f}};
  const auto before = to_probabilities(logits, p, "en")[0];
  p.categories[0].offset = -std::log(4.0);
  p.categories[0].language_offset["ko"] = std::log(2.0);
  auto odds = [](const std::vector<double>& q) { return q[1] / q[0]; };
  EXPECT_NEAR(odds(to_probabilities(logits, p, "en")[0]), odds(before) / 4.0, 1e-6);
  EXPECT_NEAR(odds(to_probabilities(logits, p, "unknown")[0]), odds(before) / 4.0, 1e-6);
  EXPECT_NEAR(odds(to_probabilities(logits, p, "ko")[0]), odds(before) / 2.0, 1e-6);
}

}  // namespace
}  // namespace guardian::models

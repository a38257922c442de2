// set_reference: an evaluator report of the reference data becomes the policy's drift baseline,
// per language too when the data hold two languages with enough messages each.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "policy/policy.h"
#include "infer/model_report.h"

namespace guardian::infer {
namespace {

policy::Policy binary() {
  policy::Policy p;
  p.name = "binary";
  policy::Category toxic;
  toxic.name = "toxic";
  toxic.levels = {"none", "toxic"};
  toxic.threshold = 0.6;
  p.categories.push_back(toxic);
  return p;
}

// The parts of eval::to_json that set_reference reads: rows and flagged shares, overall and per language.
nlohmann::json report(int64_t en_rows, double en_share, int64_t ko_rows, double ko_share) {
  auto slice = [](int64_t rows, double share) {
    return nlohmann::json{{"examples", rows}, {"categories", {{{"name", "toxic"}, {"flagged_share", share}}}}};
  };
  const int64_t rows = en_rows + ko_rows;
  const double share = (en_rows * en_share + ko_rows * ko_share) / static_cast<double>(rows);
  nlohmann::json out = {{"all", slice(rows, share)}, {"by_language", nlohmann::json::object()}};
  if (en_rows > 0) out["by_language"]["en"] = slice(en_rows, en_share);
  if (ko_rows > 0) out["by_language"]["ko"] = slice(ko_rows, ko_share);
  return out;
}

TEST(SetReference, EachLanguageOfABilingualReferenceGetsItsOwnShare) {
  auto p = binary();
  set_reference(p, report(300, 0.3, 100, 0.02), "validation", {"a:val", "b:val"});
  const auto& toxic = p.categories[0];
  EXPECT_EQ(p.reference_rows, 400);
  EXPECT_EQ(p.reference_data, "validation: a:val, b:val");
  EXPECT_DOUBLE_EQ(*toxic.reference_share, (300 * 0.3 + 100 * 0.02) / 400);
  EXPECT_EQ(toxic.reference_threshold, 0.6);
  EXPECT_EQ(toxic.reference_language_share, (std::map<std::string, double>{{"en", 0.3}, {"ko", 0.02}}));
  EXPECT_EQ(p.reference_language_rows, (std::map<std::string, int64_t>{{"en", 300}, {"ko", 100}}));
  // One language, or another with fewer than 100 messages: no per-language shares (replaced ones go).
  set_reference(p, report(300, 0.3, 99, 0.02), "calibration", {"c:val"});
  EXPECT_TRUE(p.categories[0].reference_language_share.empty());
  EXPECT_TRUE(p.reference_language_rows.empty());
  set_reference(p, report(300, 0.3, 0, 0.0), "calibration", {"c:val"});
  EXPECT_TRUE(p.categories[0].reference_language_share.empty());
  EXPECT_DOUBLE_EQ(*p.categories[0].reference_share, 0.3);
}

TEST(SetReference, AnUntrainedCategoryGetsNoReference) {
  auto p = binary();
  p.categories[0].reference_share = 0.5;  // from before it was known to be untrained
  p.categories[0].reference_threshold = 0.6;
  p.categories[0].decides = false;
  p.categories[0].trained = false;
  auto r = report(300, 0.3, 100, 0.02);
  r["all"]["categories"][0]["flagged_share"] = nullptr;  // as the evaluator reports an untrained one
  r["by_language"]["en"]["categories"][0]["flagged_share"] = nullptr;
  r["by_language"]["ko"]["categories"][0]["flagged_share"] = nullptr;
  set_reference(p, r, "validation", {"a:val"});
  EXPECT_FALSE(p.categories[0].reference_share.has_value());
  EXPECT_FALSE(p.categories[0].reference_threshold.has_value());
  EXPECT_TRUE(p.categories[0].reference_language_share.empty());
  EXPECT_EQ(p.reference_rows, 400);  // the policy's other categories still have their reference
  EXPECT_NO_THROW(p.validate());
}

}  // namespace
}  // namespace guardian::infer

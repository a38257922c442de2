// disable_unlearnable_categories: what training does with a category its data cannot teach.
#include <gtest/gtest.h>

#include "train/training_data.h"

#include "core/error.h"
#include "data/perturb.h"

namespace guardian::train {
namespace {

policy::Policy three_categories() {
  policy::Policy p;
  p.name = "p";
  for (const char* name : {"hate", "cultural", "general"}) {
    policy::Category c;
    c.name = name;
    c.levels = {"none", "some"};
    p.categories.push_back(c);
  }
  p.categories[2].decides = false;  // a score by design, like the default policy's General
  return p;
}

data::Example labelled(std::vector<int> labels) {
  data::Example e;
  e.labels = std::move(labels);
  return e;
}

TEST(DisableUnlearnableCategories, NoPositiveStopsDecidingNoLabelAtAllIsUntrained) {
  constexpr int kUnknown = data::kUnknownLabel;
  // hate: positives; cultural: never labelled; general: labelled 0 only.
  auto policy = three_categories();
  const auto out = disable_unlearnable_categories(
      policy, {labelled({1, kUnknown, 0}), labelled({0, kUnknown, 0}), labelled({kUnknown, kUnknown, kUnknown})});
  EXPECT_TRUE(policy.categories[0].decides);
  EXPECT_TRUE(policy.categories[0].trained);
  EXPECT_FALSE(policy.categories[1].decides);
  EXPECT_FALSE(policy.categories[1].trained);
  EXPECT_FALSE(policy.categories[2].decides);  // as it was
  EXPECT_TRUE(policy.categories[2].trained);   // its zeros are a signal: it learns to say "none"
  EXPECT_EQ(out.not_deciding, std::vector<std::string>{"cultural"});  // general never decided
  EXPECT_EQ(out.untrained, std::vector<std::string>{"cultural"});
  EXPECT_NO_THROW(policy.validate());

  // Labelled 0 only, a deciding category stops deciding but stays trained.
  auto zeros = three_categories();
  const auto zero_out = disable_unlearnable_categories(zeros, {labelled({1, 0, 0}), labelled({0, 0, kUnknown})});
  EXPECT_FALSE(zeros.categories[1].decides);
  EXPECT_TRUE(zeros.categories[1].trained);
  EXPECT_EQ(zero_out.not_deciding, std::vector<std::string>{"cultural"});
  EXPECT_TRUE(zero_out.untrained.empty());

  // A non-deciding category with no label at all is untrained too.
  auto bare = three_categories();
  const auto bare_out = disable_unlearnable_categories(bare, {labelled({1, 0, kUnknown})});
  EXPECT_FALSE(bare.categories[2].trained);
  EXPECT_EQ(bare_out.untrained, std::vector<std::string>{"general"});
  EXPECT_EQ(bare_out.not_deciding, std::vector<std::string>{"cultural"});  // labelled 0 only; general never decided
}


}  // namespace
}  // namespace guardian::train

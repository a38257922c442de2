// disable_unlearnable_categories: what training does with a category its data cannot teach.
#include <gtest/gtest.h>

#include "train/data_sets.h"

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


data::Example message(std::string id, std::string text, int label) {
  data::Example e;
  e.id = std::move(id);
  e.text = std::move(text);
  e.labels = {label};
  e.source = "card";
  return e;
}

// Korean messages long enough that choseong (p = 0.1 per syllable) changes them, and an English
// one it cannot change.
LoadedSet korean_and_english() {
  LoadedSet set;
  set.provenance = nlohmann::json::array({{{"spec", "card:train"}}});
  set.examples = {message("a", "시발 진짜 너무하네 이게 무슨 말이야 정말 어이가 없어서 말이 안 나온다", 1),
                  message("b", "오늘 날씨가 정말 좋아서 산책하러 나가고 싶은 마음이 가득합니다 여러분", 0),
                  message("c", "what a lovely day", 0)};
  return set;
}

TEST(Augment, AddsACopyOfEachMessageTheGameChangesWithItsLabels) {
  LoadedSet set = korean_and_english();
  augment(set, {"choseong"});
  ASSERT_EQ(set.examples.size(), 5u) << "the two Korean messages are copied, the English one is not";
  for (size_t i = 0; i < 2; ++i) {
    const auto& original = set.examples[i];
    const auto& copy = set.examples[3 + i];
    EXPECT_EQ(copy.id, original.id + "~choseong");
    EXPECT_EQ(copy.labels, original.labels);
    EXPECT_EQ(copy.source, original.source);
    EXPECT_NE(copy.text, original.text);
    EXPECT_EQ(copy.text, data::perturb(original.text, data::Perturbation::kChoseong, "augment:" + original.id));
  }
  EXPECT_EQ(set.examples[2].text, "what a lovely day") << "the originals stay as they were";
  ASSERT_EQ(set.provenance.size(), 2u);
  EXPECT_EQ(set.provenance[1]["augment"], "choseong");
  EXPECT_EQ(set.provenance[1]["examples"], 2);
}

TEST(Augment, EachGameCopiesTheOriginalsNotEachOthersCopies) {
  LoadedSet set = korean_and_english();
  augment(set, {"choseong", "leet"});
  // choseong copies a and b; leet copies c only ("lovely" has an e and an o at p = 0.3 each: checked
  // below rather than assumed) and never a copy made by choseong.
  size_t leet = 0;
  for (const auto& e : set.examples) {
    EXPECT_EQ(e.id.find("~choseong~"), std::string::npos) << e.id;
    if (e.id.size() > 5 && e.id.substr(e.id.size() - 5) == "~leet") {
      ++leet;
      EXPECT_EQ(e.id, "c~leet");
      EXPECT_NE(e.text, "what a lovely day");
    }
  }
  const bool leet_changes_c =
      data::perturb("what a lovely day", data::Perturbation::kLeet, "augment:c") != "what a lovely day";
  EXPECT_EQ(leet, leet_changes_c ? 1u : 0u);
  EXPECT_EQ(set.examples.size(), 5u + leet);

  LoadedSet again = korean_and_english();
  augment(again, {"choseong", "leet"});
  ASSERT_EQ(again.examples.size(), set.examples.size());
  for (size_t i = 0; i < set.examples.size(); ++i) EXPECT_EQ(again.examples[i].text, set.examples[i].text) << "deterministic";
}

TEST(Augment, NoGamesLeavesTheSetAsItIsAndAnUnknownGameIsAnError) {
  LoadedSet set = korean_and_english();
  augment(set, {});
  EXPECT_EQ(set.examples.size(), 3u);
  EXPECT_EQ(set.provenance.size(), 1u);
  EXPECT_THROW(augment(set, {"typo"}), InputError);
}

}  // namespace
}  // namespace guardian::train

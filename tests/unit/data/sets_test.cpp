// data/sets: a recipe's [data] table read alone, and the augmentation of a loaded set.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/fs.h"
#include "data/perturb.h"
#include "data/sets.h"

namespace guardian::data {
namespace {

namespace fs = std::filesystem;

fs::path write_recipe(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / ("guardian-sets-" + name + ".toml");
  core::write_file_atomic(path, text);
  return path;
}

TEST(RecipeData, ReadsTheDataTableAloneAndLeavesTheOtherTablesUnread) {
  const auto path = write_recipe("ok", "name = \"x\"\npolicy = \"default\"\n[data]\ntrain = [\"a:train\"]\n"
                                       "valid = [\"a:train[90%:]\", \"b:dev\"]\nskip_bad = true\n"
                                       "[model]\nkind = \"anything the trainer reads\"\n");
  const auto data = load_recipe_data(path);
  EXPECT_EQ(data.train, std::vector<std::string>{"a:train"});
  EXPECT_EQ(data.valid, (std::vector<std::string>{"a:train[90%:]", "b:dev"}));
  EXPECT_TRUE(data.skip_bad);
  EXPECT_FALSE(data.research_only);
}

TEST(RecipeData, AnUnknownKeyOrAWrongTypeNamesTheFileLineAndKey) {
  const auto typo = write_recipe("typo", "[data]\ntrain = [\"a:train\"]\nvalidation = [\"a:dev\"]\n");
  try {
    load_recipe_data(typo);
    FAIL() << "an unknown key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), typo.string() + ":3: unknown key 'data.validation'");
  }
  const auto type = write_recipe("type", "[data]\n\nskip_bad = \"yes\"\n");
  try {
    load_recipe_data(type);
    FAIL() << "a string was accepted for a flag";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), type.string() + ":3: 'data.skip_bad' must be true or false");
  }
  EXPECT_THROW(load_recipe_data(fs::temp_directory_path() / "guardian-sets-none.toml"), InputError);
}

Example message(std::string id, std::string text, int label) {
  Example e;
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
    EXPECT_EQ(copy.text, perturb(original.text, Perturbation::kChoseong, "augment:" + original.id));
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
      perturb("what a lovely day", Perturbation::kLeet, "augment:c") != "what a lovely day";
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
}  // namespace guardian::data

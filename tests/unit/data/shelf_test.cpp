// The built-in cards over the real shelf (skipped when it is absent): row counts and label counts
// as the MANIFEST gives them. A few real rows have empty text; those are skipped and counted.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "data/reader.h"
#include "data_test_helpers.h"

namespace guardian::data {
namespace {

struct Read {
  std::vector<Example> examples;
  ReadReport report;
};

Read read_shelf(const std::filesystem::path& root, const std::string& spec, const std::string& policy_name) {
  const SplitSpec s = SplitSpec::parse(spec);
  Read r;
  r.examples = load_examples(load_card(s.card), s, test::builtin_policy(policy_name), root, {.skip_bad = true}, &r.report);
  return r;
}

// Examples per level of one category (-1 = unknown).
std::map<int, int> level_counts(const std::vector<Example>& examples, int category) {
  std::map<int, int> out;
  for (const auto& e : examples) ++out[e.labels.at(category)];
  return out;
}

TEST(Shelf, RowCountsMatchTheManifest) {
  GUARDIAN_REQUIRE_SHELF(root);
  struct Case {
    std::string spec, policy;
    size_t rows;           // rows in the files (MANIFEST)
    size_t skipped;        // rows with empty text on the shelf (skipped)
  };
  for (const Case& c : std::vector<Case>{{"beep:train", "binary", 7896, 0},
                                         {"beep:dev", "binary", 471, 0},
                                         {"tweeteval-offensive:train", "binary", 11916, 0},
                                         {"tweeteval-offensive:val", "binary", 1324, 0},
                                         {"tweeteval-offensive:test", "binary", 860, 0},
                                         {"tweeteval-hate:train", "binary", 9000, 7},
                                         {"jigsaw:train", "binary", 5000, 0},
                                         {"jigsaw:test", "binary", 1200, 0},
                                         {"unsmile:train", "unsmile", 15005, 0},
                                         {"unsmile:valid", "unsmile", 3737, 0},
                                         {"apeach:test", "binary", 3770, 0},
                                         {"kosbi:valid", "binary", 3421, 0},
                                         {"kosbi:test", "binary", 3423, 0}}) {
    SCOPED_TRACE(c.spec);
    const Read r = read_shelf(root, c.spec, c.policy);
    EXPECT_EQ(r.report.rows, c.rows);
    EXPECT_EQ(r.report.skipped, c.skipped);
    for (const auto& p : r.report.problems) EXPECT_NE(p.find("empty text"), std::string::npos) << p;
    EXPECT_EQ(r.report.kept + r.report.skipped, c.rows);
    EXPECT_EQ(r.examples.size(), r.report.kept);
    // Every labelled example is fully labelled under a policy its card maps completely.
    for (const auto& e : r.examples) {
      for (int l : e.labels) ASSERT_NE(l, kUnknownLabel) << e.id;
    }
  }
}

TEST(Shelf, BeepHateLevels) {
  GUARDIAN_REQUIRE_SHELF(root);
  const Read train = read_shelf(root, "beep:train", "beep-hate");
  // none / offensive / hate
  EXPECT_EQ(level_counts(train.examples, 0), (std::map<int, int>{{0, 3486}, {1, 2499}, {2, 1911}}));
  EXPECT_EQ(train.examples[0].language, Language::kKorean);
  const Read dev = read_shelf(root, "beep:dev", "beep-hate");
  EXPECT_EQ(level_counts(dev.examples, 0), (std::map<int, int>{{0, 160}, {1, 189}, {2, 122}}));
}

TEST(Shelf, TweetevalOffensiveBinaryAndDefault) {
  GUARDIAN_REQUIRE_SHELF(root);
  const Read binary = read_shelf(root, "tweeteval-offensive:train", "binary");
  EXPECT_EQ(level_counts(binary.examples, 0), (std::map<int, int>{{0, 11916 - 3941}, {1, 3941}}));
  EXPECT_EQ(binary.examples[0].language, Language::kEnglish);
  // Under the default policy only insult is known; every other category is unknown.
  const auto policy = test::builtin_policy("default");
  const Read d = read_shelf(root, "tweeteval-offensive:val", "default");
  const int insult = policy.index_of("insult");
  EXPECT_EQ(level_counts(d.examples, insult), (std::map<int, int>{{0, 1324 - 459}, {1, 459}}));
  for (const auto& e : d.examples) {
    for (size_t c = 0; c < e.labels.size(); ++c) {
      if (static_cast<int>(c) != insult) ASSERT_EQ(e.labels[c], kUnknownLabel) << e.id << " " << policy.categories[c].name;
    }
  }
}

TEST(Shelf, JigsawColumnsCombineByTheHighestLevel) {
  GUARDIAN_REQUIRE_SHELF(root);
  const auto policy = test::builtin_policy("default");
  const Read r = read_shelf(root, "jigsaw:train", "default");
  ASSERT_EQ(r.examples.size(), 5000u);
  const int insult = policy.index_of("insult"), general = policy.index_of("general"), hate = policy.index_of("hate");
  // Insult: 2 wherever the insult column is 1 (1,473 rows), 1 for toxic-only, else 0.
  EXPECT_EQ(level_counts(r.examples, insult), (std::map<int, int>{}));
  EXPECT_EQ(level_counts(r.examples, hate).at(2), 262);
  // severe_toxic (303 rows) -> General index 4 (score 1); the 2,000 ok rows -> index 0 (score 5);
  // other bad rows say nothing about General.
  EXPECT_EQ(level_counts(r.examples, general), (std::map<int, int>{{kUnknownLabel, 3000 - 303}, {0, 2000}, {4, 303}}));
  // Ids come from the id column, so slices follow the rows whatever the file order.
  EXPECT_EQ(r.examples[0].id.rfind("jigsaw:", 0), 0u);
  EXPECT_EQ(r.examples[0].id.find(":train:"), std::string::npos);
}

TEST(Shelf, KosbiAndUnsmileLabels) {
  GUARDIAN_REQUIRE_SHELF(root);
  const Read kosbi = read_shelf(root, "kosbi:valid", "binary");
  EXPECT_EQ(level_counts(kosbi.examples, 0), (std::map<int, int>{{0, 1754}, {1, 1667}}));
  const auto policy = test::builtin_policy("unsmile");
  const Read unsmile = read_shelf(root, "unsmile:train", "unsmile");
  EXPECT_EQ(level_counts(unsmile.examples, policy.index_of("clean")).at(1), 3739);
  EXPECT_EQ(level_counts(unsmile.examples, policy.index_of("abuse")).at(1), 3143);
  EXPECT_EQ(level_counts(unsmile.examples, policy.index_of("women_family")).at(1), 1599);
}

TEST(Shelf, UnlabelledTextReads) {
  GUARDIAN_REQUIRE_SHELF(root);
  size_t n = 0;
  read_texts(load_card("beep-unlabeled"), "train", root, [&](std::string&&) { ++n; });
  EXPECT_GT(n, 33000u);
  EXPECT_LE(n, 33893u);
}

}  // namespace
}  // namespace guardian::data

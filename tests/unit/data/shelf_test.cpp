// The built-in cards over the real shelf (failing when it is absent): row counts and label counts
// as the MANIFEST gives them. A few real rows have empty text; those are skipped and counted.
#include <gtest/gtest.h>

#include <map>
#include <set>
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
  // Insult: 2 wherever the insult column is 1 (1,473 rows, 1,384 of them also toxic: toxic's 1
  // loses to insult's 2), 1 for the 1,453 toxic rows without insult, else 0.
  EXPECT_EQ(level_counts(r.examples, insult), (std::map<int, int>{{0, 2074}, {1, 1453}, {2, 1473}}));
  EXPECT_EQ(level_counts(r.examples, hate).at(2), 262);
  // obscene (1,565 rows) is profanity, not sexual content: Adult stays unknown on every row.
  EXPECT_EQ(level_counts(r.examples, policy.index_of("adult")), (std::map<int, int>{{kUnknownLabel, 5000}}));
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

TEST(Shelf, EveryCardReadsEverySplitUnderEveryPolicyItMaps) {
  GUARDIAN_REQUIRE_SHELF(root);
  const std::vector<std::string> cards = {"apeach", "beep", "beep-unlabeled", "jigsaw", "kosbi",
                                          "tweeteval-hate", "tweeteval-offensive", "tweeteval-unlabeled", "unsmile"};
  for (const auto& name : cards) {
    const Card card = load_card(name);
    for (const auto& [split, files] : card.splits) {
      SCOPED_TRACE(name + ":" + split);
      size_t texts = 0;
      read_texts(card, split, root, [&](std::string&& t) {
        ++texts;
        ASSERT_FALSE(t.empty());
      });
      EXPECT_GT(texts, 0u);
      for (const auto& [policy_name, columns] : card.mappings) {
        SCOPED_TRACE(policy_name);
        const Read r = read_shelf(root, name + ":" + split, policy_name);
        EXPECT_GT(r.report.kept, 0u);
        EXPECT_EQ(r.report.kept + r.report.skipped, r.report.rows);
        // The only rows a built-in card may skip are the few real ones with empty text.
        EXPECT_LE(r.report.skipped, 10u);
        for (const auto& p : r.report.problems) EXPECT_NE(p.find("empty text"), std::string::npos) << p;
        // Each example has one label per category, each unknown or a level the category has.
        const auto policy = test::builtin_policy(policy_name);
        for (const auto& e : r.examples) {
          ASSERT_EQ(e.labels.size(), policy.categories.size());
          for (size_t c = 0; c < e.labels.size(); ++c) {
            ASSERT_GE(e.labels[c], kUnknownLabel);
            ASSERT_LT(e.labels[c], static_cast<int>(policy.categories[c].levels.size()));
          }
          ASSERT_EQ(e.source, name);
        }
      }
    }
  }
}

TEST(Shelf, BeepUnderTheDefaultPolicyFollowsTheCardsChoices) {
  GUARDIAN_REQUIRE_SHELF(root);
  const auto policy = test::builtin_policy("default");
  const Read r = read_shelf(root, "beep:train", "default");
  ASSERT_EQ(r.examples.size(), 7896u);
  // hate read with bias: with a social bias (789 gender + 616 others) -> Hate 2, insult unknown;
  // without (506) -> Hate 0, Insult 2. Offensive with a bias (367 + 763) -> Insult 1, hate unknown;
  // offensive without (1,369) and none (3,486) -> Hate 0.
  EXPECT_EQ(level_counts(r.examples, policy.index_of("hate")),
            (std::map<int, int>{{kUnknownLabel, 367 + 763}, {0, 506 + 1369 + 3486}, {2, 789 + 616}}));
  EXPECT_EQ(level_counts(r.examples, policy.index_of("insult")),
            (std::map<int, int>{{kUnknownLabel, 789 + 616}, {0, 3486}, {1, 2499}, {2, 506}}));
  // gender (1,232) and others (1,516) -> Bias 1; none (5,148) -> Bias 0.
  EXPECT_EQ(level_counts(r.examples, policy.index_of("bias")), (std::map<int, int>{{0, 5148}, {1, 1232 + 1516}}));
  // BEEP! labels neither adult, illegal, cultural nor general.
  for (const char* unknown : {"adult", "illegal", "cultural", "general"}) {
    EXPECT_EQ(level_counts(r.examples, policy.index_of(unknown)), (std::map<int, int>{{kUnknownLabel, 7896}})) << unknown;
  }
  const Read bias = read_shelf(root, "beep:train", "beep-bias");
  EXPECT_EQ(level_counts(bias.examples, 0), (std::map<int, int>{{0, 5148}, {1, 1516}, {2, 1232}}));  // none, others, gender
  const Read binary = read_shelf(root, "beep:train", "binary");
  EXPECT_EQ(level_counts(binary.examples, 0), (std::map<int, int>{{0, 3486}, {1, 1911 + 2499}}));
}

TEST(Shelf, TweetevalHateApeachJigsawAndUnsmileDistributions) {
  GUARDIAN_REQUIRE_SHELF(root);
  const auto policy = test::builtin_policy("default");
  const int hate = policy.index_of("hate"), bias = policy.index_of("bias");
  // TweetEval hate train: 3,783 hate; 5,217 not, of which 7 have empty text (skipped).
  const Read th = read_shelf(root, "tweeteval-hate:train", "default");
  EXPECT_EQ(level_counts(th.examples, hate), (std::map<int, int>{{0, 5210}, {2, 3783}}));
  EXPECT_EQ(level_counts(th.examples, bias), (std::map<int, int>{{0, 5210}, {1, 3783}}));
  EXPECT_EQ(th.report.skipped, 7u);

  const Read apeach = read_shelf(root, "apeach:test", "binary");
  EXPECT_EQ(level_counts(apeach.examples, 0), (std::map<int, int>{{0, 1848}, {1, 1922}}));
  const Read apeach_default = read_shelf(root, "apeach:test", "default");
  EXPECT_EQ(level_counts(apeach_default.examples, hate), (std::map<int, int>{{0, 1848}, {1, 1922}}));

  const Read jigsaw = read_shelf(root, "jigsaw:train", "binary");
  EXPECT_EQ(level_counts(jigsaw.examples, 0), (std::map<int, int>{{0, 2000}, {1, 3000}}));
  const Read jigsaw_test = read_shelf(root, "jigsaw:test", "binary");
  EXPECT_EQ(level_counts(jigsaw_test.examples, 0), (std::map<int, int>{{0, 600}, {1, 600}}));

  // UnSmile under the default policy: any of the 8 group columns -> Hate 2 (8,121 rows); clean
  // (3,739 rows) -> every category 0; abuse alone or a bare targeted individual -> hate unknown.
  const Read u = read_shelf(root, "unsmile:train", "default");
  EXPECT_EQ(level_counts(u.examples, hate), (std::map<int, int>{{kUnknownLabel, 15005 - 8121 - 3739}, {0, 3739}, {2, 8121}}));
  EXPECT_EQ(level_counts(u.examples, policy.index_of("cultural")),
            (std::map<int, int>{{kUnknownLabel, 15005 - 3644 - 3739}, {0, 3739}, {1, 3644}}));
  EXPECT_EQ(level_counts(u.examples, policy.index_of("insult")).at(2), 3143);
  EXPECT_EQ(level_counts(u.examples, policy.index_of("general")), (std::map<int, int>{{kUnknownLabel, 15005 - 3739}, {0, 3739}}));
  const Read ub = read_shelf(root, "unsmile:train", "binary");
  EXPECT_EQ(level_counts(ub.examples, 0), (std::map<int, int>{{0, 3739}, {1, 15005 - 3739}}));
}

TEST(Shelf, SlicesOfARealSplitAreDisjointAndComplete) {
  GUARDIAN_REQUIRE_SHELF(root);
  const Read head = read_shelf(root, "beep:train[:90%]", "beep-hate");
  const Read tail = read_shelf(root, "beep:train[90%:]", "beep-hate");
  EXPECT_EQ(head.examples.size() + tail.examples.size(), 7896u);
  std::set<std::string> ids;
  for (const auto& e : head.examples) ids.insert(e.id);
  for (const auto& e : tail.examples) EXPECT_TRUE(ids.insert(e.id).second) << e.id;
  EXPECT_EQ(ids.size(), 7896u);
  // Roughly 10% lands in the tail.
  EXPECT_GT(tail.examples.size(), 650u);
  EXPECT_LT(tail.examples.size(), 950u);
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

// Evaluator: per-category metrics with unknown labels masked, the flag/allow decision (plain and
// gated), the aggregate, per-language slices, and the JSON / text renderings.
#include "eval/evaluator.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"

namespace guardian::eval {
namespace {

using data::Example;
using data::kUnknownLabel;
using data::Language;
using Probs = std::vector<std::vector<double>>;

policy::Category category(const std::string& name, int levels, double threshold,
                          bool decides = true) {
  policy::Category c;
  c.name = name;
  for (int l = 0; l < levels; ++l) c.levels.push_back("level" + std::to_string(l));
  c.threshold = threshold;
  c.decides = decides;
  return c;
}

// hate: 3 levels, threshold 0.5; bias: 2 levels, threshold 0.6; general: not deciding.
policy::Policy two_category_policy() {
  policy::Policy p;
  p.name = "test";
  p.categories = {category("hate", 3, 0.5), category("bias", 2, 0.6),
                  category("general", 2, 0.5, /*decides=*/false)};
  return p;
}

Example example(const std::string& id, Language language, std::vector<int> labels) {
  Example e;
  e.id = id;
  e.language = language;
  e.labels = std::move(labels);
  return e;
}

// Rows (hate, bias, general): truth and probabilities.
//   a en: (2, 0, 0)  hate [.1 .2 .7] -> 2, P=.9 | bias [.7 .3] -> 0, P=.3 | general [.9 .1]
//   b en: (0, 1, 1)  hate [.8 .1 .1] -> 0, P=.2 | bias [.3 .7] -> 1, P=.7 | general [.4 .6]
//   c ko: (1, ?, ?)  hate [.5 .4 .1] -> 0, P=.5 | bias [.5 .5] -> 0, P=.5 | general [.5 .5]
//   d ko: (0, 0, ?)  hate [.3 .6 .1] -> 1, P=.7 | bias [.9 .1] -> 0, P=.1 | general [.5 .5]
//   e ko: (?, ?, 0)  no deciding label known: outside the decision
std::vector<Example> examples() {
  return {example("a", Language::kEnglish, {2, 0, 0}),
          example("b", Language::kEnglish, {0, 1, 1}),
          example("c", Language::kKorean, {1, kUnknownLabel, kUnknownLabel}),
          example("d", Language::kKorean, {0, 0, kUnknownLabel}),
          example("e", Language::kKorean, {kUnknownLabel, kUnknownLabel, 0})};
}

std::vector<Probs> probabilities() {
  return {{{.1, .2, .7}, {.7, .3}, {.9, .1}},
          {{.8, .1, .1}, {.3, .7}, {.4, .6}},
          {{.5, .4, .1}, {.5, .5}, {.5, .5}},
          {{.3, .6, .1}, {.9, .1}, {.5, .5}},
          {{.9, .05, .05}, {.9, .1}, {.8, .2}}};
}

TEST(Evaluator, PerCategoryMetricsMaskUnknownLabels) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  EXPECT_EQ(report.policy, "test");
  EXPECT_EQ(report.all.examples, 5u);
  ASSERT_EQ(report.all.categories.size(), 3u);

  const auto& hate = report.all.categories[0];
  EXPECT_EQ(hate.name, "hate");
  EXPECT_EQ(hate.support, 4u);  // e is unknown
  // truth 2,0,1,0 vs argmax 2,0,0,1: a and b right.
  const std::vector<std::vector<int64_t>> confusion = {{1, 1, 0}, {1, 0, 0}, {0, 0, 1}};
  EXPECT_EQ(hate.confusion, confusion);
  EXPECT_DOUBLE_EQ(hate.accuracy, 0.5);
  // Binary (>= 1): truth 1,0,1,0; predicted 1,0,0,1 -> TP 1, FP 1, FN 1.
  EXPECT_DOUBLE_EQ(hate.precision, 0.5);
  EXPECT_DOUBLE_EQ(hate.recall, 0.5);
  // F1 per level: 0 -> 2*1/(2+1+1) = .5, 1 -> 0, 2 -> 1.
  EXPECT_DOUBLE_EQ(hate.macro_f1, 0.5);
  // P(>=1): a .9 (pos), b .2, c .5 (pos), d .7: pos>neg pairs: (.9,.2) (.9,.7) (.5,.2) -> 3/4.
  EXPECT_DOUBLE_EQ(hate.roc_auc, 0.75);

  const auto& bias = report.all.categories[1];
  EXPECT_EQ(bias.support, 3u);  // a, b, d
  EXPECT_DOUBLE_EQ(bias.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(bias.roc_auc, 1.0);

  const auto& general = report.all.categories[2];
  EXPECT_EQ(general.support, 3u);  // a, b, e
  EXPECT_DOUBLE_EQ(general.accuracy, 1.0);

  EXPECT_DOUBLE_EQ(report.all.aggregate, (0.5 + 1.0 + 1.0) / 3.0);
}

TEST(Evaluator, CalibrationOfEachCategory) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  const auto& hate = report.all.categories[0];
  // P(true level): a .7 (level 2), b .8, c .4 (level 1), d .3.
  EXPECT_NEAR(hate.log_loss, -(std::log(.7) + std::log(.8) + std::log(.4) + std::log(.3)) / 4, 1e-12);
  // P(>=1) .9 .2 .5 .7 against 1 0 1 0, each alone in its bin: |.1|, |.2|, |.5|, |.7| averaged.
  EXPECT_NEAR(hate.ece, (.1 + .2 + .5 + .7) / 4, 1e-12);
  EXPECT_NEAR(hate.brier, (.01 + .04 + .25 + .49) / 4, 1e-12);
  EXPECT_EQ(hate.reliability.size(), 4u);
  const auto json = to_json(report);
  EXPECT_NEAR(json["all"]["categories"][0]["ece"].get<double>(), .375, 1e-12);
  EXPECT_EQ(json["all"]["categories"][0]["reliability"].size(), 4u);
  // general has one Korean label (e, P(>=1) .2, level 0): its slice's ECE is that one bin's .2.
  EXPECT_NEAR(json["by_language"]["ko"]["categories"][2]["ece"].get<double>(), .2, 1e-12);
  const std::string text = to_text(report);
  EXPECT_NE(text.find("ECE"), std::string::npos) << text;
  EXPECT_NE(text.find("hate    ECE 0.375"), std::string::npos) << text;
}

TEST(Evaluator, DecisionUsesThresholdsOfDecidingCategoriesOnly) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  const auto& d = report.all.decision;
  // Flags: a (hate .9 >= .5), b (bias .7 >= .6), c (hate .5 >= .5), d (hate .7); e has no known
  // deciding label. Truth: a toxic, b toxic, c toxic, d clean.
  EXPECT_EQ(d.support, 4u);
  EXPECT_DOUBLE_EQ(d.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(d.precision, 0.75);
  EXPECT_DOUBLE_EQ(d.recall, 1.0);
  EXPECT_DOUBLE_EQ(d.f1, 2.0 * 3 / (2.0 * 3 + 1));
  // Margins: a .4, b .1, c 0, d .2 -> the clean d outranks b and c: AUC = 1/3.
  EXPECT_NEAR(d.roc_auc, 1.0 / 3.0, 1e-12);
  // All four flagged, three of them toxic.
  EXPECT_DOUBLE_EQ(d.flagged_share, 1.0);
  EXPECT_DOUBLE_EQ(d.toxic_share, 0.75);
}

TEST(Evaluator, FlaggedShareCountsEveryRowAtEachThreshold) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  // P(level >= 1): hate .9 .2 .5 .7 .1 (>= .5: a c d); bias .3 .7 .5 .1 .1 (>= .6: b);
  // general .1 .6 .5 .5 .2 (>= .5: b c d; reported though it never decides). Labels play no part.
  EXPECT_DOUBLE_EQ(report.all.categories[0].flagged_share, 0.6);
  EXPECT_DOUBLE_EQ(report.all.categories[1].flagged_share, 0.2);
  EXPECT_DOUBLE_EQ(report.all.categories[2].flagged_share, 0.6);
  EXPECT_NEAR(report.by_language.at("ko").categories[0].flagged_share, 2.0 / 3.0, 1e-12);  // c d of c d e
  // No reference in the policy: nothing to compare.
  EXPECT_TRUE(std::isnan(report.all.categories[0].reference_share));
  EXPECT_TRUE(std::isnan(report.all.categories[0].drift_z));
  EXPECT_FALSE(report.all.categories[0].drifted);
  EXPECT_EQ(to_text(report).find("reference data"), std::string::npos);
}

TEST(Evaluator, AnUntrainedCategoryHasNoFlaggedShareAndSaysSo) {
  auto policy = two_category_policy();
  policy.categories[2].trained = false;  // general: never learned
  const Report report = evaluate(policy, examples(), probabilities());
  EXPECT_TRUE(std::isnan(report.all.categories[2].flagged_share));  // 0.6 when trained (above)
  EXPECT_FALSE(report.all.categories[2].trained);
  EXPECT_DOUBLE_EQ(report.all.categories[0].flagged_share, 0.6);  // the others as before
  const auto json = to_json(report);
  EXPECT_EQ(json["all"]["categories"][2]["trained"], false);
  EXPECT_TRUE(json["all"]["categories"][2]["flagged_share"].is_null());
  EXPECT_EQ(json["all"]["categories"][0]["trained"], true);
  EXPECT_NE(to_text(report).find("general (untrained)"), std::string::npos) << to_text(report);
}

// 100 unlabelled rows of a binary category, 90 of them at P(toxic) 0.9, 10 at 0.1.
void add_unlabelled_rows(Evaluator& evaluator) {
  for (int i = 0; i < 100; ++i) {
    evaluator.add(example("r" + std::to_string(i), Language::kEnglish, {kUnknownLabel}),
                  {i < 90 ? std::vector<double>{.1, .9} : std::vector<double>{.9, .1}});
  }
}

// A binary policy (threshold 0.5) whose reference: 0.2 of 1000 messages.
policy::Policy referenced_policy() {
  policy::Policy p;
  p.name = "binary";
  p.categories = {category("toxic", 2, 0.5)};
  p.categories[0].reference_share = 0.2;
  p.reference_rows = 1000;
  return p;
}

TEST(Evaluator, DriftAgainstThePolicysReferenceShare) {
  policy::Policy p = referenced_policy();
  Evaluator evaluator(p);
  // 90 of 100 rows flagged (unlabelled: the check needs no truth) against 0.2 of 1000:
  // pooled (200 + 90) / 1100; z = 0.7 / sqrt(pooled (1 - pooled) (1/1000 + 1/100)) = 15.15
  add_unlabelled_rows(evaluator);
  const Report report = evaluator.report();
  const auto& toxic = report.all.categories[0];
  EXPECT_DOUBLE_EQ(toxic.flagged_share, 0.9);
  EXPECT_DOUBLE_EQ(toxic.reference_share, 0.2);
  // by hand: pooled 0.263636, p(1 - p) = 0.194132, x 0.011 = 0.00213545, sqrt 0.0462110
  EXPECT_NEAR(toxic.drift_z, 15.1479, 1e-3);
  EXPECT_TRUE(toxic.drifted);
  const auto json = to_json(report);
  EXPECT_DOUBLE_EQ(json["all"]["categories"][0]["flagged_share"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(json["all"]["categories"][0]["reference_share"].get<double>(), 0.2);
  EXPECT_TRUE(json["all"]["categories"][0]["drifted"].get<bool>());
  const std::string text = to_text(report);
  EXPECT_NE(text.find("toxic flags 0.900 of these rows at its threshold, 0.200 of its reference data (z +15.1): DRIFT"),
            std::string::npos)
      << text;

  // The same traffic flagged at the reference's rate: no drift, and the line says so by omission.
  p.categories[0].reference_share = 0.9;
  Evaluator same(p);
  add_unlabelled_rows(same);
  const auto steady = same.report();
  EXPECT_FALSE(steady.all.categories[0].drifted);
  EXPECT_NEAR(steady.all.categories[0].drift_z, 0.0, 1e-12);
  EXPECT_EQ(to_text(steady).find("DRIFT"), std::string::npos);
  EXPECT_NE(to_text(steady).find("toxic flags 0.900 of these rows at its threshold, 0.900 of its reference data"),
            std::string::npos);
}

TEST(Evaluator, AReferenceMeasuredAtAnotherThresholdIsNoBaseline) {
  policy::Policy p = referenced_policy();
  p.categories[0].reference_threshold = 0.8;  // the threshold was 0.8 when the share was measured
  Evaluator evaluator(p);
  add_unlabelled_rows(evaluator);
  const auto report = evaluator.report();
  const auto& toxic = report.all.categories[0];
  EXPECT_DOUBLE_EQ(toxic.flagged_share, 0.9);
  EXPECT_TRUE(std::isnan(toxic.reference_share));
  EXPECT_TRUE(toxic.reference_stale);
  EXPECT_FALSE(toxic.drifted);  // 0.9 against 0.2 would be DRIFT, but 0.2 was another threshold's rate
  EXPECT_TRUE(to_json(report)["all"]["categories"][0]["reference_stale"].get<bool>());
  const auto text = to_text(report);
  EXPECT_EQ(text.find("DRIFT"), std::string::npos) << text;
  EXPECT_NE(text.find("toxic: its reference share was measured at another threshold"), std::string::npos) << text;
}

// A bilingual reference: 0.2 overall, 0.9 of English and 0.05 of Korean. 100 English rows flagging
// 0.9 are what the reference expects of English; judged against the mix of the reference data
// (0.2) they would be DRIFT.
TEST(Evaluator, ASetInAnotherLanguageMixIsJudgedAgainstItsLanguagesReference) {
  policy::Policy p = referenced_policy();
  p.categories[0].reference_language_share = {{"en", 0.9}, {"ko", 0.05}};
  Evaluator evaluator(p);
  add_unlabelled_rows(evaluator);
  auto report = evaluator.report();
  EXPECT_DOUBLE_EQ(report.all.categories[0].reference_share, 0.9);
  EXPECT_NEAR(report.all.categories[0].drift_z, 0.0, 1e-9);
  EXPECT_FALSE(report.all.categories[0].drifted);
  EXPECT_DOUBLE_EQ(report.by_language.at("en").categories[0].reference_share, 0.9);
  // 100 Korean rows flagging 0.05 join: the whole set expects (100 x 0.9 + 100 x 0.05) / 200.
  for (int i = 0; i < 100; ++i) {
    evaluator.add(example("k" + std::to_string(i), Language::kKorean, {kUnknownLabel}),
                  {i < 5 ? std::vector<double>{.1, .9} : std::vector<double>{.9, .1}});
  }
  report = evaluator.report();
  EXPECT_DOUBLE_EQ(report.all.categories[0].reference_share, 0.475);
  EXPECT_DOUBLE_EQ(report.all.categories[0].flagged_share, 0.475);
  EXPECT_FALSE(report.all.categories[0].drifted);
  EXPECT_DOUBLE_EQ(report.by_language.at("ko").categories[0].reference_share, 0.05);
  // Without the per-language shares the same set is called drift against 0.2.
  p.categories[0].reference_language_share.clear();
  Evaluator plain(p);
  add_unlabelled_rows(plain);
  EXPECT_TRUE(plain.report().all.categories[0].drifted);
}

TEST(Evaluator, GatedPolicyNeedsTheGateToCross) {
  policy::Policy p;
  p.name = "cascade";
  p.categories = {category("toxic", 2, 0.5, /*decides=*/false), category("hate", 2, 0.5)};
  p.gate = "toxic";
  Evaluator evaluator(p);
  // Hate crosses but the gate does not: allowed, so this toxic row is a miss.
  evaluator.add(example("x", Language::kEnglish, {1, 1}), {{.7, .3}, {.1, .9}});
  // Both cross: flagged.
  evaluator.add(example("y", Language::kEnglish, {1, 1}), {{.2, .8}, {.2, .8}});
  // The gate crosses but no deciding category does: allowed, correctly.
  evaluator.add(example("z", Language::kEnglish, {0, 0}), {{.2, .8}, {.9, .1}});
  const auto d = evaluator.report().all.decision;
  EXPECT_EQ(d.support, 3u);
  EXPECT_DOUBLE_EQ(d.recall, 0.5);
  EXPECT_DOUBLE_EQ(d.precision, 1.0);
  EXPECT_NEAR(d.accuracy, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(d.flagged_share, 1.0 / 3.0, 1e-12);  // y only
  EXPECT_NEAR(d.toxic_share, 2.0 / 3.0, 1e-12);    // x and y
}

TEST(Evaluator, SlicesByLanguage) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  ASSERT_EQ(report.by_language.size(), 2u);
  const auto& en = report.by_language.at("en");
  const auto& ko = report.by_language.at("ko");
  EXPECT_EQ(en.examples, 2u);
  EXPECT_EQ(ko.examples, 3u);
  EXPECT_EQ(en.categories[0].support, 2u);
  EXPECT_DOUBLE_EQ(en.categories[0].accuracy, 1.0);
  EXPECT_EQ(ko.categories[0].support, 2u);
  EXPECT_DOUBLE_EQ(ko.categories[0].accuracy, 0.0);
  // ko bias: only d is known and it is clean, so AUC is undefined.
  EXPECT_TRUE(std::isnan(ko.categories[1].roc_auc));
  EXPECT_EQ(ko.decision.support, 2u);
}

TEST(Evaluator, EmptyEvaluatorReportsNaN) {
  Evaluator evaluator(two_category_policy());
  EXPECT_EQ(evaluator.size(), 0u);
  const Report report = evaluator.report();
  EXPECT_TRUE(report.by_language.empty());
  EXPECT_TRUE(std::isnan(report.all.aggregate));
  EXPECT_TRUE(std::isnan(report.all.categories[0].accuracy));
  EXPECT_TRUE(std::isnan(report.all.categories[0].ece));
  EXPECT_TRUE(std::isnan(report.all.categories[0].log_loss));
  EXPECT_TRUE(report.all.categories[0].reliability.empty());
  EXPECT_EQ(report.all.decision.support, 0u);
  EXPECT_TRUE(std::isnan(report.all.decision.accuracy));
  EXPECT_TRUE(std::isnan(report.all.decision.flagged_share));
}

TEST(Evaluator, JsonHasEveryFieldAndNullForNaN) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  const auto json = to_json(report);
  EXPECT_EQ(json["policy"], "test");
  EXPECT_EQ(json["all"]["examples"], 5);
  EXPECT_EQ(json["all"]["categories"][0]["name"], "hate");
  EXPECT_DOUBLE_EQ(json["all"]["categories"][0]["roc_auc"].get<double>(), 0.75);
  EXPECT_EQ(json["all"]["categories"][0]["confusion"][2][2], 1);
  EXPECT_EQ(json["all"]["decision"]["support"], 4);
  EXPECT_DOUBLE_EQ(json["all"]["decision"]["flagged_share"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(json["all"]["decision"]["toxic_share"].get<double>(), 0.75);
  EXPECT_TRUE(json["by_language"]["ko"]["categories"][1]["roc_auc"].is_null());
  EXPECT_NO_THROW((void)json.dump());
}

TEST(Evaluator, TextShowsTablesAndConfusion) {
  const Report report = evaluate(two_category_policy(), examples(), probabilities());
  const std::string text = to_text(report);
  for (const char* needle : {"policy: test", "accuracy", "macro-F1", "ROC-AUC", "hate", "bias",
                             "decision", "aggregate", "language: en", "language: ko",
                             "confusion matrices", "0.750",
                             "flagged 1.000 of the decided rows; toxic in truth 0.750"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

TEST(Evaluator, RejectsMisshapenInput) {
  Evaluator evaluator(two_category_policy());
  const Probs good = {{.1, .2, .7}, {.7, .3}, {.9, .1}};
  EXPECT_THROW(evaluator.add(example("a", Language::kEnglish, {0, 0}), good), InputError);
  EXPECT_THROW(evaluator.add(example("a", Language::kEnglish, {3, 0, 0}), good), InputError);
  EXPECT_THROW(evaluator.add(example("a", Language::kEnglish, {0, -2, 0}), good), InputError);
  EXPECT_THROW(evaluator.add(example("a", Language::kEnglish, {0, 0, 0}), {{.5, .5}, {.5, .5}}),
               InputError);
  EXPECT_THROW(
      evaluator.add(example("a", Language::kEnglish, {0, 0, 0}), {{.5, .5}, {.5, .5}, {.5, .5}}),
      InputError);
  EXPECT_THROW(evaluator.add(example("a", Language::kEnglish, {0, 0, 0}),
                             {{.1, .2, NAN}, {.7, .3}, {.9, .1}}),
               InputError);
  try {
    evaluator.add(example("row-17", Language::kEnglish, {0, 0}), good);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("row-17"), std::string::npos) << e.what();
  }
  EXPECT_EQ(evaluator.size(), 0u);
  EXPECT_THROW(evaluate(two_category_policy(), examples(), {}), InputError);
}

TEST(Evaluator, RejectsUnusablePolicies) {
  policy::Policy empty;
  EXPECT_THROW(Evaluator{empty}, ConfigError);
  auto one_level = two_category_policy();
  one_level.categories[0].levels.resize(1);
  EXPECT_THROW(Evaluator{one_level}, ConfigError);
  auto bad_gate = two_category_policy();
  bad_gate.gate = "nonexistent";
  EXPECT_THROW(Evaluator{bad_gate}, ConfigError);
}

}  // namespace
}  // namespace guardian::eval

// The guardian binary end to end: help, train -> eval -> calibrate -> moderate on a tiny encoder,
// exact resume, and every kind of bad input giving one clear line and a non-zero exit.
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(CliTest, HelpExplainsEveryCommand) {
  auto top = run_guardian({"--help"});
  EXPECT_EQ(top.code, 0) << top.output;
  // Each command's help names the options that command is about.
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"train", {"--config", "--seeds", "--budget", "--out"}},
      {"eval", {"--model", "--data", "--json", "--errors", "--predictions"}},
      {"calibrate", {"--model", "--data", "--recipe", "--target"}},
      {"moderate", {"--model", "--format", "--policy"}},
      {"serve", {"--model", "--port", "--host"}},
      {"tokenize", {"--tokenizer"}},
      {"data", {"stats", "export"}},
      {"merge", {"--model", "--adapter", "--out"}},
  };
  for (const auto& [command, options] : expected) {
    EXPECT_TRUE(contains(top.output, command)) << command;
    auto sub = run_guardian({command, "--help"});
    EXPECT_EQ(sub.code, 0) << sub.output;
    for (const auto& option : options) EXPECT_TRUE(contains(sub.output, option)) << command << " " << option << ": " << sub.output;
  }
  auto unknown = run_guardian({"frobnicate"});
  EXPECT_NE(unknown.code, 0);
}

class TrainedEncoder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fresh_dir("encoder");
    write_shelf(dir_);
    auto recipe = write_encoder_recipe(dir_);
    auto result = run_guardian({"train", "--config", recipe.string(), "--out", (dir_ / "model").string(), "-q"},
                               dir_ / "data");
    train_code_ = result.code;
    train_output_ = result.output;
  }
  static fs::path model() { return dir_ / "model"; }
  static std::string card() { return (dir_ / "card.toml").string(); }

  static fs::path dir_;
  static int train_code_;
  static std::string train_output_;
};
fs::path TrainedEncoder::dir_;
int TrainedEncoder::train_code_ = -1;
std::string TrainedEncoder::train_output_;

TEST_F(TrainedEncoder, TrainWritesACompleteModelDirectory) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.model", "policy.toml", "training.json",
                           "train_log.jsonl"}) {
    EXPECT_TRUE(fs::exists(model() / file)) << file;
  }
  EXPECT_FALSE(fs::exists(model() / "checkpoint")) << "a finished run leaves no checkpoint";
  auto training = nlohmann::json::parse(read_text(model() / "training.json"));
  EXPECT_TRUE(training["finished"].get<bool>());
  EXPECT_EQ(training["train_data"][0]["licence"], "test data");
  auto config = nlohmann::json::parse(read_text(model() / "config.json"));
  EXPECT_EQ(config["model_type"], "bert");
  EXPECT_EQ(config["hidden_size"], 16);
}

TEST_F(TrainedEncoder, EvalReportsEveryFigureAsJson) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  const auto errors = dir_ / "errors.jsonl";
  auto r = run_guardian({"eval", "--model", model().string(), "--data", card() + ":train", "--json", "--errors",
                         errors.string()}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  const auto& all = lines[0]["all"];
  EXPECT_EQ(all["examples"], 80);
  ASSERT_EQ(all["categories"].size(), 1u);
  for (const char* key : {"accuracy", "precision", "recall", "macro_f1", "roc_auc", "confusion"}) {
    EXPECT_TRUE(all["categories"][0].contains(key)) << key;
  }
  EXPECT_TRUE(all.contains("decision"));
  EXPECT_TRUE(lines[0]["by_language"].contains("en"));
  EXPECT_TRUE(fs::exists(errors));
  for (const auto& e : json_lines(read_text(errors))) {
    EXPECT_TRUE(e.contains("text") && e.contains("truth") && e.contains("categories"));
  }
  auto text = run_guardian({"eval", "--model", model().string(), "--data", card() + ":train"}, dir_ / "data");
  EXPECT_EQ(text.code, 0) << text.output;
  EXPECT_TRUE(contains(text.output, "toxic")) << text.output;
}

TEST_F(TrainedEncoder, EvalPredictionsGiveEveryRowInOrderAndTheReportedMacroF1) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  const auto predictions = dir_ / "predictions.jsonl", errors = dir_ / "errors-too.jsonl";
  auto r = run_guardian({"eval", "--model", model().string(), "--data", card() + ":train", "--json", "--predictions",
                         predictions.string(), "--errors", errors.string()}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = json_lines(r.output).at(0)["all"]["categories"][0];
  const auto rows = json_lines(read_text(predictions));
  ASSERT_EQ(rows.size(), 80u);
  EXPECT_EQ(rows.front()["id"], "shelf:m1");
  EXPECT_EQ(rows.back()["id"], "shelf:m80");
  // Macro-F1 over the two levels from the file's argmax levels alone, against the report's.
  std::map<std::string, int> tp, fp, fn;
  int wrong = 0;
  for (const auto& row : rows) {
    const std::string predicted = row["predicted"]["toxic"], truth = row["truth"]["toxic"];
    if (predicted == truth) {
      ++tp[truth];
    } else {
      ++fp[predicted];
      ++fn[truth];
      ++wrong;
    }
  }
  double macro = 0.0;
  for (const std::string level : {"clean", "toxic"}) {
    const double denominator = 2.0 * tp[level] + fp[level] + fn[level];
    macro += denominator > 0 ? 2.0 * tp[level] / denominator / 2.0 : 0.0;
  }
  EXPECT_NEAR(macro, report["macro_f1"].get<double>(), 1e-9);
  // The errors are the rows predicted wrong, and those whose decision (threshold) is wrong.
  EXPECT_GE(static_cast<int>(json_lines(read_text(errors)).size()), wrong);
}

TEST_F(TrainedEncoder, EvalReproducesTheReportedValidationFigures) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  // training.json reports the saved model through the same inference path eval serves it with.
  auto training = nlohmann::json::parse(read_text(model() / "training.json"));
  auto r = run_guardian({"eval", "--model", model().string(), "--data", card() + ":train[75%:]", "--json"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0]["all"]["categories"][0]["confusion"], training["metrics"]["valid"]["all"]["categories"][0]["confusion"]);
  EXPECT_DOUBLE_EQ(lines[0]["all"]["categories"][0]["roc_auc"].get<double>(),
                   training["metrics"]["valid"]["all"]["categories"][0]["roc_auc"].get<double>());
}

TEST_F(TrainedEncoder, ModerateScoresArgumentsAndStdin) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  auto args = run_guardian({"moderate", "--model", model().string(), "you stupid idiot", "have a nice day"});
  ASSERT_EQ(args.code, 0) << args.output;
  auto lines = json_lines(args.output);
  ASSERT_EQ(lines.size(), 2u) << args.output;
  for (const auto& line : lines) {
    EXPECT_TRUE(line["flagged"].is_boolean());
    EXPECT_TRUE(line["decision"].contains("threshold"));
    const double p = line["categories"]["toxic"]["score"].get<double>();
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
  }
  auto stdin_run = run_guardian({"moderate", "--model", model().string()}, {},
                                "{\"id\": \"a\", \"text\": \"i hate you idiot\"}\nnot json\n{\"id\": 7}\n"
                                "{\"id\": \"b\", \"text\": \"good morning\"}\n");
  EXPECT_EQ(stdin_run.code, 2) << "bad lines make the exit non-zero";
  auto out = json_lines(stdin_run.output);
  ASSERT_EQ(out.size(), 4u) << stdin_run.output;
  EXPECT_EQ(out[0]["id"], "a");
  EXPECT_TRUE(contains(out[1]["error"].get<std::string>(), "stdin:2"));
  EXPECT_TRUE(contains(out[2]["error"].get<std::string>(), "stdin:3"));
  EXPECT_EQ(out[3]["id"], "b");
}

TEST_F(TrainedEncoder, CalibrateWritesThresholdsIntoThePolicy) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  const fs::path copy = dir_ / "calibrated";
  fs::remove_all(copy);
  fs::copy(model(), copy, fs::copy_options::recursive);
  auto r = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train[75%:]", "--target",
                         "recall=0.8"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "recall>=")) << r.output;
  const auto policy = read_text(copy / "policy.toml");
  EXPECT_TRUE(contains(policy, "version = '2'") || contains(policy, "version = \"2\"")) << policy;
  EXPECT_TRUE(fs::exists(copy / "calibration.json"));
  // The best-macro-F1 target always has a threshold to choose, so it is met and written.
  auto best = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train[75%:]", "--target",
                            "macro_f1"}, dir_ / "data");
  ASSERT_EQ(best.code, 0) << best.output;
  const auto summary = nlohmann::json::parse(read_text(copy / "calibration.json"));
  EXPECT_EQ(summary["target"], "macro_f1");
  for (const auto& category : summary["categories"]) {
    EXPECT_TRUE(category["met"].get<bool>()) << category.dump();
    EXPECT_GT(category["threshold"].get<double>(), 0.0);
    EXPECT_LE(category["threshold"].get<double>(), 1.0);
    EXPECT_GT(category["macro_f1"].get<double>(), 0.0) << category.dump();
    // With the 95% intervals of its precision and recall, around them.
    const auto precision = category["precision_interval"];
    ASSERT_EQ(precision.size(), 2u) << category.dump();
    EXPECT_LE(precision[0].get<double>(), category["precision"].get<double>());
    EXPECT_GE(precision[1].get<double>(), category["precision"].get<double>());
    EXPECT_LE(category["recall_interval"][0].get<double>(), category["recall"].get<double>());
    EXPECT_GT(category["flagged"].get<int>(), 0);
  }
  EXPECT_TRUE(contains(best.output, "flagged), recall")) << best.output;
  EXPECT_TRUE(contains(read_text(copy / "policy.toml"), "'3'") || contains(read_text(copy / "policy.toml"), "\"3\""));
  // --keep-temperature moves the thresholds only: on other data a refit would give another temperature.
  auto kept = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train[:25%]", "--target",
                            "recall=0.5", "--keep-temperature"}, dir_ / "data");
  ASSERT_EQ(kept.code, 0) << kept.output;
  const auto kept_summary = nlohmann::json::parse(read_text(copy / "calibration.json"));
  ASSERT_EQ(kept_summary["categories"].size(), summary["categories"].size());
  for (size_t c = 0; c < summary["categories"].size(); ++c) {
    EXPECT_EQ(kept_summary["categories"][c]["temperature"], summary["categories"][c]["temperature"]);
    EXPECT_EQ(kept_summary["categories"][c]["offset"], summary["categories"][c]["offset"]);
  }
  // --offset fits each category's offset with its temperature into the policy; a plain calibrate
  // afterwards fits the temperature alone and clears the offset (fitted for another temperature).
  auto with_offset = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train[75%:]",
                                   "--target", "macro_f1", "--offset"}, dir_ / "data");
  ASSERT_EQ(with_offset.code, 0) << with_offset.output;
  EXPECT_TRUE(contains(with_offset.output, ", offset ")) << with_offset.output;
  const auto offset_summary = nlohmann::json::parse(read_text(copy / "calibration.json"));
  const auto offset_policy = toml::parse_file((copy / "policy.toml").string());
  const double fitted = offset_summary["categories"][0]["offset"].get<double>();
  EXPECT_EQ(offset_policy["category"][0]["offset"].value_or(0.0), fitted);
  EXPECT_NE(fitted, 0.0) << "a fitted offset is never exactly 0";
  auto plain = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train[75%:]", "--target",
                             "macro_f1"}, dir_ / "data");
  ASSERT_EQ(plain.code, 0) << plain.output;
  EXPECT_FALSE(toml::parse_file((copy / "policy.toml").string())["category"][0]["offset"].is_value());
  auto both = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train[75%:]", "--target",
                            "macro_f1", "--offset", "--keep-temperature"}, dir_ / "data");
  EXPECT_EQ(both.code, 1);
  EXPECT_TRUE(contains(both.output, "--offset")) << both.output;
  auto bad = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train", "--target", "f1=2"},
                          dir_ / "data");
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.output, "f1=2")) << bad.output;
}

// A target the data cannot reach leaves the category as it was: its threshold and also its
// temperature, since the old threshold under a refitted temperature would move the decisions.
// The labels are the shelf's, flipped: the model's most toxic-looking message is then "clean", so
// no threshold reaches precision 1.
TEST_F(TrainedEncoder, AnUnreachableTargetLeavesTheCategoryAsItWas) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  const fs::path copy = dir_ / "unreachable";
  fs::remove_all(copy);
  fs::copy(model(), copy, fs::copy_options::recursive);
  auto card_text = read_text(card());
  const auto mapping = card_text.find("[mapping.e2e.label]");
  ASSERT_NE(mapping, std::string::npos) << card_text;
  card_text = card_text.substr(0, mapping) + "[mapping.e2e.label]\nclean = { toxic = 1 }\ntoxic = { toxic = 0 }\n";
  const fs::path flipped = dir_ / "flipped.toml";
  write_text(flipped, card_text);
  // A plain calibrate first, so that the category's temperature is one this data would refit.
  auto r = run_guardian({"calibrate", "--model", copy.string(), "--data", card() + ":train", "--target", "macro_f1",
                         "--offset"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto before = toml::parse_file((copy / "policy.toml").string());
  r = run_guardian({"calibrate", "--model", copy.string(), "--data", flipped.string() + ":train", "--target",
                    "precision=1", "--offset"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "target not reachable on this data: the category is left as it was")) << r.output;
  const auto after = toml::parse_file((copy / "policy.toml").string());
  for (const char* key : {"threshold", "temperature", "offset"}) {
    EXPECT_EQ(after["category"][0][key].value_or(0.0), before["category"][0][key].value_or(0.0)) << key;
  }
  EXPECT_NE(before["category"][0]["offset"].value_or(0.0), 0.0) << "the first calibrate fitted an offset to keep";
  const auto summary = nlohmann::json::parse(read_text(copy / "calibration.json"));
  EXPECT_FALSE(summary["categories"][0]["met"].get<bool>()) << summary;
  EXPECT_EQ(summary["categories"][0]["temperature"].get<double>(), before["category"][0]["temperature"].value_or(0.0));
}

// The drift check end to end: training records the validation data's flagged share as the
// policy's reference; calibrate --target share moves thresholds without labels (on a card of plain
// lines too) and makes its data the reference; eval sets each category's share beside it.
TEST_F(TrainedEncoder, ShareTargetNeedsNoLabelsAndEvalShowsDrift) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  const fs::path copy = dir_ / "share";
  fs::remove_all(copy);
  fs::copy(model(), copy, fs::copy_options::recursive);
  auto policy = toml::parse_file((copy / "policy.toml").string());
  EXPECT_EQ(policy["reference_data"].value_or(std::string()), "validation: " + card() + ":train[75%:]");
  const auto training = nlohmann::json::parse(read_text(copy / "training.json"));
  EXPECT_EQ(policy["reference_rows"].value_or(int64_t{0}), training["metrics"]["valid"]["all"]["examples"].get<int64_t>());
  ASSERT_TRUE(policy["category"][0]["reference_share"].is_floating_point()) << policy;

  // Plain lines, no labels: a share target still has what it needs.
  std::string lines;
  for (const auto& [text, toxic] : tiny_examples()) lines += text + "\n";
  write_text(dir_ / "traffic" / "texts.txt", lines);
  write_text(dir_ / "traffic" / "card.toml",
             "name = \"traffic\"\nlanguage = \"en\"\nlicence = \"test data\"\nformat = \"lines\"\nfiles = \"card\"\n"
             "[splits]\nweek = \"texts.txt\"\n");
  const std::string traffic = (dir_ / "traffic" / "card.toml").string() + ":week";
  auto r = run_guardian({"calibrate", "--model", copy.string(), "--data", traffic, "--target", "share=0.25"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  auto summary = nlohmann::json::parse(read_text(copy / "calibration.json"));
  EXPECT_EQ(summary["target"], "share=0.25");
  const double share = summary["categories"][0]["share"].get<double>();
  const double threshold = summary["categories"][0]["threshold"].get<double>();
  EXPECT_NEAR(share, 0.25, 0.1) << summary;  // ties flag together
  const double temperature = policy["category"][0]["temperature"].value_or(0.0);
  policy = toml::parse_file((copy / "policy.toml").string());
  EXPECT_EQ(policy["category"][0]["temperature"].value_or(-1.0), temperature);  // no labels, no temperature fit
  EXPECT_DOUBLE_EQ(policy["category"][0]["threshold"].value_or(0.0), threshold);
  EXPECT_DOUBLE_EQ(policy["category"][0]["reference_share"].value_or(-1.0), share);
  EXPECT_EQ(policy["reference_data"].value_or(std::string()), "calibration: " + traffic);
  EXPECT_EQ(policy["reference_rows"].value_or(int64_t{0}), static_cast<int64_t>(tiny_examples().size()));

  // A bare "share" keeps the reference's rate: on the same data, the same threshold.
  r = run_guardian({"calibrate", "--model", copy.string(), "--data", traffic, "--target", "share"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  summary = nlohmann::json::parse(read_text(copy / "calibration.json"));
  EXPECT_DOUBLE_EQ(summary["categories"][0]["threshold"].get<double>(), threshold) << summary;
  EXPECT_DOUBLE_EQ(summary["categories"][0]["target_share"].get<double>(), share);

  // eval on that data: the same share as the reference, so no drift.
  r = run_guardian({"eval", "--model", copy.string(), "--data", card() + ":train", "--json"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = json_lines(r.output).back();
  const auto& category = report["all"]["categories"][0];
  EXPECT_NEAR(category["flagged_share"].get<double>(), share, 1e-9) << category;  // the same messages
  EXPECT_DOUBLE_EQ(category["reference_share"].get<double>(), share);
  EXPECT_FALSE(category["drifted"].get<bool>());

  // A reference far below what this data flags: eval says so in words.
  policy = toml::parse_file((copy / "policy.toml").string());
  policy.insert_or_assign("reference_rows", 10000);
  policy["category"][0].as_table()->insert_or_assign("reference_share", share / 10);
  std::ofstream(copy / "policy.toml") << policy;
  r = run_guardian({"eval", "--model", copy.string(), "--data", card() + ":train"}, dir_ / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "of its reference data")) << r.output;
  EXPECT_TRUE(contains(r.output, "DRIFT, the threshold does not fit this data")) << r.output;
  // moderate --stats does the same check on the messages it moderates, and warns in words.
  std::string jsonl;
  for (const auto& [text, toxic] : tiny_examples()) jsonl += nlohmann::json({{"text", text}}).dump() + "\n";
  r = run_guardian({"moderate", "--model", copy.string(), "--stats"}, dir_ / "data", jsonl);
  ASSERT_EQ(r.code, 0) << r.output;
  nlohmann::json stats;
  for (const auto& line : json_lines(r.output)) {
    if (line.contains("drift")) stats = line;
  }
  ASSERT_TRUE(stats.is_object()) << r.output;
  EXPECT_NEAR(stats["drift"]["toxic"]["flagged_share"].get<double>(), share, 1e-9) << stats;
  EXPECT_DOUBLE_EQ(stats["drift"]["toxic"]["reference_share"].get<double>(), share / 10);
  EXPECT_TRUE(stats["drift"]["toxic"]["drifted"].get<bool>()) << stats;
  EXPECT_TRUE(contains(r.output, "guardian: drift: toxic reached its threshold on")) << r.output;

  // A bare "share" on a policy without a reference is one clear error.
  policy.erase("reference_rows");
  policy["category"][0].as_table()->erase("reference_share");
  std::ofstream(copy / "policy.toml") << policy;
  r = run_guardian({"calibrate", "--model", copy.string(), "--data", traffic, "--target", "share"}, dir_ / "data");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.output, "records no reference share for 'toxic'")) << r.output;
}

TEST_F(TrainedEncoder, TruncatedWeightsAreOneClearError) {
  ASSERT_EQ(train_code_, 0) << train_output_;
  const fs::path copy = dir_ / "truncated";
  fs::remove_all(copy);
  fs::copy(model(), copy, fs::copy_options::recursive);
  fs::resize_file(copy / "model.safetensors", fs::file_size(copy / "model.safetensors") / 2);
  auto r = run_guardian({"moderate", "--model", copy.string(), "hello"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.output, "model.safetensors")) << r.output;
  EXPECT_FALSE(contains(r.output, "Segmentation")) << r.output;
}

TEST(CliResumeTest, ResumedTrainingEqualsUninterruptedTraining) {
  const auto dir = fresh_dir("resume");
  write_shelf(dir);
  auto recipe = write_encoder_recipe(dir);
  auto whole = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "whole").string(), "-q"}, dir / "data");
  ASSERT_EQ(whole.code, 0) << whole.output;
  auto first = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "parts").string(), "-q",
                             "--stop-after-steps", "10"}, dir / "data");
  ASSERT_EQ(first.code, 0) << first.output;
  ASSERT_TRUE(fs::exists(dir / "parts" / "checkpoint" / "state.json"));
  auto second = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "parts").string(), "-q"}, dir / "data");
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_FALSE(fs::exists(dir / "parts" / "checkpoint"));
  EXPECT_EQ(read_text(dir / "whole" / "tokenizer.model"), read_text(dir / "parts" / "tokenizer.model"));
  EXPECT_TRUE(read_text(dir / "whole" / "model.safetensors") == read_text(dir / "parts" / "model.safetensors"))
      << "the resumed run's best weights differ from the uninterrupted run's";
  auto a = nlohmann::json::parse(read_text(dir / "whole" / "training.json"));
  auto b = nlohmann::json::parse(read_text(dir / "parts" / "training.json"));
  EXPECT_EQ(a["steps"], b["steps"]);
  EXPECT_EQ(a["best_valid"], b["best_valid"]);
  // A finished model is not retrained by the same command.
  auto again = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "parts").string(), "-q"}, dir / "data");
  EXPECT_EQ(again.code, 0);
  EXPECT_TRUE(contains(again.output, "already fully trained")) << again.output;
}

TEST(CliSeedsTest, SeedsReportMeanAndStd) {
  const auto dir = fresh_dir("seeds");
  write_shelf(dir);
  auto recipe = write_encoder_recipe(dir);
  auto r = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "m").string(), "-q", "--seeds", "2",
                         "--stop-after-steps", "6"}, dir / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  auto summary = nlohmann::json::parse(read_text(dir / "m" / "seeds_summary.json"));
  ASSERT_TRUE(summary.contains("valid.all.aggregate")) << summary.dump();
  EXPECT_EQ(summary["valid.all.aggregate"]["runs"], 2);
  EXPECT_TRUE(summary["valid.all.aggregate"].contains("std"));
  EXPECT_TRUE(fs::exists(dir / "m" / "seed-1" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "m" / "seed-2" / "model.safetensors"));
}

// --seed replaces the recipe's seed; --no-eval leaves the recipe's eval specs unscored (a check that
// decides on validation data must not read a scored split on the way).
TEST(CliSeedsTest, SeedOptionReplacesTheRecipesAndNoEvalSkipsItsEvalSpecs) {
  const auto dir = fresh_dir("seed_option");
  const std::string card = write_shelf(dir).string();
  auto recipe = write_encoder_recipe(dir);
  std::string text = read_text(recipe);
  const std::string valid_line = "valid = [\"" + card + ":train[75%:]\"]\n";
  ASSERT_NE(text.find(valid_line), std::string::npos);
  text.replace(text.find(valid_line), valid_line.size(), valid_line + "eval = [\"" + card + ":train[:10%]\"]\n");
  write_text(recipe, text);
  auto train = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", "--config", recipe.string(), "--out", (dir / out).string(), "-q",
                                     "--stop-after-steps", "6"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_guardian(args, dir / "data");
  };
  auto as_recipe = train("recipe", {});
  ASSERT_EQ(as_recipe.code, 0) << as_recipe.output;
  auto seeded = train("seeded", {"--seed", "7", "--no-eval"});
  ASSERT_EQ(seeded.code, 0) << seeded.output;
  const auto plain = nlohmann::json::parse(read_text(dir / "recipe" / "training.json"));
  const auto other = nlohmann::json::parse(read_text(dir / "seeded" / "training.json"));
  EXPECT_EQ(plain["seed"], 1);
  EXPECT_EQ(other["seed"], 7);
  EXPECT_TRUE(plain["metrics"].contains("eval")) << plain["metrics"].dump();
  EXPECT_FALSE(other["metrics"].contains("eval")) << other["metrics"].dump();
  EXPECT_NE(read_text(dir / "recipe" / "model.safetensors"), read_text(dir / "seeded" / "model.safetensors"));
  auto bad = train("bad", {"--seed", "seven"});
  EXPECT_NE(bad.code, 0);
  EXPECT_FALSE(fs::exists(dir / "bad" / "model.safetensors"));
}

// Each bad input: exit 1, one line starting "guardian: error:" that says what and where.
class CliBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    write_shelf(dir_);
  }
  CommandResult train(const std::string& extra = "") {
    auto recipe = write_encoder_recipe(dir_, extra);
    return run_guardian({"train", "--config", recipe.string(), "--out", (dir_ / "m").string(), "-q"}, dir_ / "data");
  }
  void expect_error(const CommandResult& r, const std::vector<std::string>& fragments) {
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "guardian: error:")) << r.output;
    for (const auto& f : fragments) EXPECT_TRUE(contains(r.output, f)) << "missing '" << f << "' in: " << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "m" / "model.safetensors")) << "no model may be written from bad input";
  }
  fs::path dir_;
};

TEST_F(CliBadInputTest, MissingRecipe) {
  expect_error(run_guardian({"train", "--config", (dir_ / "nope.toml").string()}), {"nope.toml"});
}

TEST_F(CliBadInputTest, UnknownRecipeKey) { expect_error(train("speed = 3\n"), {"train.speed", "recipe.toml:"}); }

TEST_F(CliBadInputTest, OutOfRangeRecipeValue) { expect_error(train("clip = -1.0\n"), {"train.clip"}); }

TEST_F(CliBadInputTest, LabelOutsideTheMapping) {
  write_text(dir_ / "data" / "shelf" / "train.jsonl",
             read_text(dir_ / "data" / "shelf" / "train.jsonl") + "{\"id\": \"x\", \"text\": \"hi\", \"label\": \"rude\"}\n");
  expect_error(train(), {"train.jsonl:81", "rude"});
}

TEST_F(CliBadInputTest, MissingTextColumn) {
  write_text(dir_ / "data" / "shelf" / "train.jsonl", "{\"id\": \"x\", \"body\": \"hi\", \"label\": \"clean\"}\n");
  expect_error(train(), {"train.jsonl:1", "text"});
}

TEST_F(CliBadInputTest, InvalidUtf8Text) {
  write_text(dir_ / "data" / "shelf" / "train.jsonl",
             read_text(dir_ / "data" / "shelf" / "train.jsonl") + "{\"id\": \"x\", \"text\": \"bad \\udc80\", \"label\": \"clean\"}\n");
  auto r = train();
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "train.jsonl:81")) << r.output;
}

TEST_F(CliBadInputTest, EmptyTextIsReportedAndSkippable) {
  write_text(dir_ / "data" / "shelf" / "train.jsonl",
             read_text(dir_ / "data" / "shelf" / "train.jsonl") + "{\"id\": \"x\", \"text\": \"   \", \"label\": \"clean\"}\n");
  expect_error(train(), {"train.jsonl:81", "empty text"});
  auto recipe = write_encoder_recipe(dir_);
  auto text = read_text(recipe);
  text.replace(text.find("[tokenizer]"), 0, "skip_bad = true\n");
  write_text(recipe, text);
  auto ok = run_guardian({"train", "--config", recipe.string(), "--out", (dir_ / "m").string(), "-q",
                          "--stop-after-steps", "2"}, dir_ / "data");
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_TRUE(contains(ok.output, "skipped 1")) << ok.output;
}

TEST_F(CliBadInputTest, MissingDataFile) {
  fs::remove(dir_ / "data" / "shelf" / "train.jsonl");
  expect_error(train(), {"train.jsonl", "GUARDIAN_DATA"});
}

TEST_F(CliBadInputTest, TrainingOnAScoredSplitIsRefused) {
  auto card = read_text(dir_ / "card.toml");
  card.replace(card.find("[splits]"), 0, "scored = [\"train\"]\n");
  write_text(dir_ / "card.toml", card);
  expect_error(train(), {"scored"});
}

TEST_F(CliBadInputTest, MissingModelDirectory) {
  expect_error(run_guardian({"moderate", "--model", (dir_ / "none").string(), "hi"}), {"none"});
}

}  // namespace
}  // namespace guardian::e2e

namespace guardian::e2e {
namespace {

TEST(CliSignalTest, SigtermSavesACheckpointThatResumes) {
  const auto dir = fresh_dir("sigterm");
  write_shelf(dir);
  // Enough epochs that training is still running when the signal arrives.
  auto recipe = write_encoder_recipe(dir);
  auto text = read_text(recipe);
  text.replace(text.find("epochs = 3"), 10, "epochs = 400");
  write_text(recipe, text);
  const fs::path log = dir / "train.log";
  pid_t pid = 0;
  run_process({GUARDIAN_BINARY, "train", "--config", recipe.string(), "--out", (dir / "m").string(), "-q"},
              {{"GUARDIAN_DATA", (dir / "data").string()}}, log, &pid);
  // Wait until steps are being taken (the log is written every 50 steps).
  for (int i = 0; i < 300 && !fs::exists(dir / "m" / "train_log.jsonl"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(fs::exists(dir / "m" / "train_log.jsonl")) << read_text(log);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of stopping cleanly: " << read_text(log);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(read_text(log).find("interrupted"), std::string::npos) << read_text(log);
  ASSERT_TRUE(fs::exists(dir / "m" / "checkpoint" / "state.json"));
  EXPECT_TRUE(fs::exists(dir / "m" / "model.safetensors"));
  const auto state = nlohmann::json::parse(read_text(dir / "m" / "checkpoint" / "state.json"));
  EXPECT_GT(state["step"].get<int>(), 0);
  auto resumed = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "m").string(), "-q",
                               "--stop-after-steps", std::to_string(state["step"].get<int>() + 3)}, dir / "data");
  EXPECT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from step " + std::to_string(state["step"].get<int>())), std::string::npos)
      << resumed.output;
}

}  // namespace
}  // namespace guardian::e2e

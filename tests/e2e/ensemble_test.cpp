// The ensemble model kind end to end: `guardian train` writes the members and the fitted
// combination; eval, calibrate and moderate take the ensemble directory like any model; a run
// interrupted inside its encoder member is continued by the same command; a member whose settings
// changed is trained again.
#include <algorithm>

#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

// bag_lines: more keys of [ngram_bag], e.g. "replicas = 3\n".
fs::path write_ensemble_recipe(const fs::path& dir, const std::string& members, const std::string& bag_lines = "") {
  write_encoder_recipe(dir);  // the encoder member's [model] and [train] come from this recipe
  const fs::path recipe = dir / "ensemble.toml";
  std::string text = read_text(dir / "recipe.toml");
  const auto at = text.find("[model]\n");
  text.insert(at + 8, "kind = \"ensemble\"\n");
  text += "[ngram]\nbuckets_log2 = 12\nepochs = 3\nl2 = [1e-5]\n"
          "[ngram_bag]\nbuckets_log2 = 12\ndim = 8\nepochs = 3\n" + bag_lines +
          "[ensemble]\nmembers = " + members + "\n";
  write_text(recipe, text);
  return recipe;
}

// One test's folder: a fresh dir with the shelf, its ensemble recipe, and where the model goes.
struct EnsembleCase {
  fs::path dir, recipe, model;
};

EnsembleCase ensemble_case(const std::string& name, const std::string& members, const std::string& bag_lines = "") {
  const auto dir = fresh_dir(name);
  write_shelf(dir);
  return {dir, write_ensemble_recipe(dir, members, bag_lines), dir / "model"};
}

// `guardian train -q` of recipe into out, with the shelf of dir (write_shelf); extra: more flags.
CommandResult train_recipe(const fs::path& dir, const fs::path& recipe, const fs::path& out,
                           const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"train", "--config", recipe.string(), "--out", out.string(), "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_guardian(args, dir / "data");
}

TEST(EnsembleCliTest, TrainsMembersAndServesTheCombination) {
  const auto [dir, recipe, model] = ensemble_case("ensemble", "[\"ngram\", \"ngram_bag\", \"encoder\"]");
  auto train = train_recipe(dir, recipe, model);
  ASSERT_EQ(train.code, 0) << train.output;
  for (const char* member : {"ngram", "ngram_bag", "encoder"}) {
    EXPECT_TRUE(fs::exists(model / "members" / member / "config.json")) << member;
  }
  auto config = nlohmann::json::parse(read_text(model / "config.json"));
  EXPECT_EQ(config["guardian"]["kind"], "ensemble");
  ASSERT_EQ(config["guardian"]["weights"].size(), 1u);
  EXPECT_EQ(config["guardian"]["weights"][0].size(), 3u);
  auto training = nlohmann::json::parse(read_text(model / "training.json"));
  EXPECT_TRUE(training["finished"].get<bool>());
  EXPECT_TRUE(training["metrics"]["valid"]["all"].contains("categories"));
  EXPECT_EQ(training["members_best_valid"].size(), 3u);

  const std::string card = (dir / "card.toml").string();
  auto eval = run_guardian({"eval", "--model", model.string(), "--data", card + ":train", "--json"}, dir / "data");
  ASSERT_EQ(eval.code, 0) << eval.output;
  auto report = json_lines(eval.output);
  ASSERT_EQ(report.size(), 1u) << eval.output;
  EXPECT_EQ(report[0]["all"]["examples"], 80);

  // The ensemble that eval loads is the one the trainer fitted and reported: the same validation figures.
  auto valid = run_guardian({"eval", "--model", model.string(), "--data", card + ":train[75%:]", "--json"}, dir / "data");
  ASSERT_EQ(valid.code, 0) << valid.output;
  auto valid_report = json_lines(valid.output);
  ASSERT_EQ(valid_report.size(), 1u) << valid.output;
  EXPECT_DOUBLE_EQ(valid_report[0]["all"]["categories"][0]["macro_f1"].get<double>(),
                   training["metrics"]["valid"]["all"]["categories"][0]["macro_f1"].get<double>());

  auto calibrate = run_guardian({"calibrate", "--model", model.string(), "--data", card + ":train[75%:]", "--target",
                                 "recall=0.8"}, dir / "data");
  ASSERT_EQ(calibrate.code, 0) << calibrate.output;

  auto moderate = run_guardian({"moderate", "--model", model.string(), "you are a stupid idiot", "have a lovely day"},
                               dir / "data");
  ASSERT_EQ(moderate.code, 0) << moderate.output;
  auto lines = json_lines(moderate.output);
  ASSERT_EQ(lines.size(), 2u) << moderate.output;
  for (const auto& line : lines) {
    const double p = line["categories"]["toxic"]["score"].get<double>();
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
  }
}

TEST(EnsembleCliTest, AStoppedEncoderMemberIsContinuedByTheSameCommand) {
  const auto [dir, recipe, model] = ensemble_case("ensemble_resume", "[\"ngram\", \"encoder\"]");
  auto first = train_recipe(dir, recipe, model, {"--stop-after-steps", "4"});
  // The encoder stopped early: the ensemble is fitted with its best weights so far and usable,
  // but marked unfinished, with the encoder's checkpoint kept.
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_TRUE(fs::exists(model / "config.json"));
  EXPECT_FALSE(nlohmann::json::parse(read_text(model / "training.json"))["finished"].get<bool>());
  EXPECT_TRUE(fs::exists(model / "members" / "encoder" / "checkpoint")) << first.output;

  auto second = train_recipe(dir, recipe, model);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("is trained already"), std::string::npos) << "the finished n-gram member is reused";
  EXPECT_FALSE(fs::exists(model / "members" / "encoder" / "checkpoint"));
  auto training = nlohmann::json::parse(read_text(model / "training.json"));
  EXPECT_TRUE(training["finished"].get<bool>());
}

TEST(EnsembleCliTest, AMemberWhoseSettingsChangedIsTrainedAgainTheOthersAreKept) {
  // Two bag replicas: each is kept under its own seed's fingerprint, not the first copy's.
  const auto [dir, recipe, model] = ensemble_case("ensemble_changed_member", "[\"ngram\", \"ngram_bag\"]", "replicas = 2\n");
  auto first = train_recipe(dir, recipe, model);
  ASSERT_EQ(first.code, 0) << first.output;
  const auto ngram_weights = read_text(model / "members" / "ngram" / "model.safetensors");
  const auto bag_weights = read_text(model / "members" / "ngram_bag" / "model.safetensors");
  const auto ngram_recipe = nlohmann::json::parse(read_text(model / "members" / "ngram" / "training.json"))["recipe"];
  ASSERT_TRUE(ngram_recipe.is_string()) << "an n-gram member records what it was trained from";

  // Only [ngram] changes (NB scales on): that member is trained again, the bag is kept as it was.
  std::string text = read_text(recipe);
  text.replace(text.find("[ngram]\n"), 8, "[ngram]\nnb_scale = true\n");
  write_text(recipe, text);
  auto second = train_recipe(dir, recipe, model);
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("trained from other settings"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("'ngram_bag' is trained already"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("'ngram_bag.2' is trained already"), std::string::npos) << second.output;
  EXPECT_EQ(second.output.find("'ngram' is trained already"), std::string::npos) << second.output;
  EXPECT_NE(read_text(model / "members" / "ngram" / "model.safetensors"), ngram_weights);
  EXPECT_EQ(read_text(model / "members" / "ngram_bag" / "model.safetensors"), bag_weights);
  EXPECT_NE(nlohmann::json::parse(read_text(model / "members" / "ngram" / "training.json"))["recipe"], ngram_recipe);

  // The same recipe again: nothing is trained.
  auto third = train_recipe(dir, recipe, model);
  ASSERT_EQ(third.code, 0) << third.output;
  EXPECT_NE(third.output.find("'ngram' is trained already"), std::string::npos) << third.output;
}

TEST(EnsembleCliTest, ReplicasAreSeededCopiesUnderOneWeight) {
  const auto [dir, recipe, model] = ensemble_case("ensemble_replicas", "[\"ngram\", \"ngram_bag\"]", "replicas = 3\n");
  auto train = train_recipe(dir, recipe, model);
  ASSERT_EQ(train.code, 0) << train.output;
  for (const char* member : {"ngram", "ngram_bag", "ngram_bag.2", "ngram_bag.3"}) {
    EXPECT_TRUE(fs::exists(model / "members" / member / "config.json")) << member;
  }
  // Different seeds make different bags; the three share one weight, a third each.
  EXPECT_NE(read_text(model / "members" / "ngram_bag" / "model.safetensors"),
            read_text(model / "members" / "ngram_bag.2" / "model.safetensors"));
  auto config = nlohmann::json::parse(read_text(model / "config.json"));
  const auto& weights = config["guardian"]["weights"][0];
  ASSERT_EQ(weights.size(), 4u);
  EXPECT_FLOAT_EQ(weights[1].get<float>(), weights[2].get<float>());
  EXPECT_FLOAT_EQ(weights[1].get<float>(), weights[3].get<float>());

  auto moderate = run_guardian({"moderate", "--model", model.string(), "you are a stupid idiot"}, dir / "data");
  ASSERT_EQ(moderate.code, 0) << moderate.output;
  EXPECT_EQ(json_lines(moderate.output).size(), 1u);

  // Refitted with equal weights (the trained members are kept): each member gets 1/2, split
  // among its copies, so a bag replica serves with 1/6.
  write_text(recipe, read_text(recipe) + "fit = \"none\"\n");
  auto refit = train_recipe(dir, recipe, model);
  ASSERT_EQ(refit.code, 0) << refit.output;
  const auto equal = nlohmann::json::parse(read_text(model / "config.json"))["guardian"]["weights"][0];
  ASSERT_EQ(equal.size(), 4u);
  EXPECT_FLOAT_EQ(equal[0].get<float>(), 0.5f);
  for (int k = 1; k < 4; ++k) EXPECT_FLOAT_EQ(equal[k].get<float>(), 0.5f / 3.0f) << k;
}

TEST(EnsembleCliTest, F1OffsetsMoveTheServedBiasByWhatTheReportSays) {
  const auto [dir, recipe, model] = ensemble_case("ensemble_f1_offsets", "[\"ngram\", \"ngram_bag\"]");
  auto plain = train_recipe(dir, recipe, model);
  ASSERT_EQ(plain.code, 0) << plain.output;
  const auto bias_off = nlohmann::json::parse(read_text(model / "config.json"))["guardian"]["bias"][0];
  const auto training_off = nlohmann::json::parse(read_text(model / "training.json"));
  EXPECT_FALSE(training_off["f1_offsets"]["toxic"]["applied"].get<bool>());

  // Refitted (the trained members are kept) with the offsets always on: the served bias is the
  // NLL fit's plus the reported offsets, and the validation macro-F1 cannot fall (0 is on the grid).
  write_text(recipe, read_text(recipe) + "f1_offsets = \"on\"\n");
  auto refit = train_recipe(dir, recipe, model);
  ASSERT_EQ(refit.code, 0) << refit.output;
  const auto config_on = nlohmann::json::parse(read_text(model / "config.json"))["guardian"];
  const auto bias_on = config_on["bias"][0];
  const auto training_on = nlohmann::json::parse(read_text(model / "training.json"));
  const auto& report = training_on["f1_offsets"]["toxic"];
  EXPECT_EQ(report["mode"], "on");
  ASSERT_EQ(report["offsets"].size(), bias_off.size());
  ASSERT_EQ(bias_on.size(), bias_off.size());
  for (size_t l = 0; l < bias_off.size(); ++l) {
    EXPECT_FLOAT_EQ(bias_on[l].get<float>(), bias_off[l].get<float>() + report["offsets"][l].get<float>()) << l;
  }
  auto f1 = [](const nlohmann::json& t) { return t["metrics"]["valid"]["all"]["categories"][0]["macro_f1"].get<double>(); };
  EXPECT_GE(f1(training_on), f1(training_off) - 1e-9);
  EXPECT_EQ(training_on["served"]["toxic"], "stack");
}

TEST(EnsembleCliTest, ServeBestServesWhicheverScoresHigherOnHeldOutValidation) {
  const auto [dir, recipe, model] = ensemble_case("ensemble_serve_best", "[\"ngram\", \"ngram_bag\"]");
  auto stack = train_recipe(dir, recipe, model);
  ASSERT_EQ(stack.code, 0) << stack.output;
  const auto stack_config = nlohmann::json::parse(read_text(model / "config.json"))["guardian"];
  EXPECT_TRUE(nlohmann::json::parse(read_text(model / "training.json"))["serve_held_out_macro_f1"].empty());

  write_text(recipe, read_text(recipe) + "serve = \"best\"\n");
  auto best = train_recipe(dir, recipe, model);  // the trained members are kept: a refit
  ASSERT_EQ(best.code, 0) << best.output;
  const auto training = nlohmann::json::parse(read_text(model / "training.json"));
  // The evidence, one held-out macro-F1 per candidate, and the choice is its highest (the stack on a tie).
  const auto& scores = training["serve_held_out_macro_f1"]["toxic"];
  ASSERT_EQ(scores.size(), 3u) << scores.dump();
  std::string expected = "stack";
  for (const char* member : {"ngram", "ngram_bag"}) {
    ASSERT_TRUE(scores.contains(member)) << scores.dump();
    EXPECT_GE(scores[member].get<double>(), 0.0);
    EXPECT_LE(scores[member].get<double>(), 100.0);
    if (scores[member].get<double>() > scores[expected].get<double>()) expected = member;
  }
  EXPECT_EQ(training["served"]["toxic"], expected);
  const auto config = nlohmann::json::parse(read_text(model / "config.json"))["guardian"];
  // On this shelf every candidate scores 100, so the stack wins the tie; a member served alone
  // (the other branch) is what a harder validation split gets.
  if (expected == "stack") {
    EXPECT_EQ(config, stack_config);
  } else {
    // A member alone: weight 1 on it, 0 on the other, no bias.
    const size_t served = expected == "ngram" ? 0 : 1;
    EXPECT_FLOAT_EQ(config["weights"][0][served].get<float>(), 1.0f);
    EXPECT_FLOAT_EQ(config["weights"][0][1 - served].get<float>(), 0.0f);
    for (const auto& b : config["bias"][0]) EXPECT_EQ(b.get<float>(), 0.0f);
  }
}

TEST(EnsembleCliTest, MembersTrainedSideBySideAreThoseTrainedInTurn) {
  const auto [dir, recipe, model] = ensemble_case("ensemble_parallel", "[\"ngram\", \"ngram_bag\"]", "replicas = 2\n");
  // No budget: the n-gram copies train side by side; a budget they never reach: one after the other.
  auto side = train_recipe(dir, recipe, dir / "side");
  ASSERT_EQ(side.code, 0) << side.output;
  auto turn = train_recipe(dir, recipe, dir / "turn", {"--budget", "1h"});
  ASSERT_EQ(turn.code, 0) << turn.output;
  for (const char* member : {"ngram", "ngram_bag", "ngram_bag.2"}) {
    EXPECT_EQ(read_text(dir / "side" / "members" / member / "model.safetensors"),
              read_text(dir / "turn" / "members" / member / "model.safetensors")) << member;
  }
  EXPECT_EQ(read_text(dir / "side" / "config.json"), read_text(dir / "turn" / "config.json"));
}

TEST(EnsembleCliTest, BadMemberNameIsOneClearError) {
  const auto [dir, recipe, model] = ensemble_case("ensemble_bad", "[\"ngram\", \"lstm\"]");
  auto r = train_recipe(dir, recipe, model);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("'lstm'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(model / "config.json"));
}

}  // namespace
}  // namespace guardian::e2e

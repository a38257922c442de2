// The ensemble model kind end to end: `guardian train` writes the members and the fitted
// combination; eval, calibrate and moderate take the ensemble directory like any model; a run
// interrupted inside its encoder member is continued by the same command; a member whose settings
// changed is trained again; serve = "best" and the F1 offsets on data where they change what is
// served.
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

using Rows = std::vector<std::pair<std::string, int>>;  // text, toxic

// A shelf whose training and validation rows are given apart (splits train and valid), its card
// and the e2e policy under dir, and an n-gram ensemble recipe over them: [ensemble] members, after
// `tables` (the members' tables, then [ensemble] and its other keys). Returns the recipe.
fs::path write_split_recipe(const fs::path& dir, const Rows& train, const Rows& valid, const std::string& members,
                            const std::string& tables) {
  write_shelf(dir);  // the manifest and the policy
  auto lines = [](const Rows& rows, const std::string& prefix) {
    std::string out;
    for (size_t i = 0; i < rows.size(); ++i) {
      out += nlohmann::json({{"id", prefix + std::to_string(i + 1)}, {"text", rows[i].first},
                             {"label", rows[i].second ? "toxic" : "clean"}}).dump() + "\n";
    }
    return out;
  };
  write_text(dir / "data" / "split" / "train.jsonl", lines(train, "t"));
  write_text(dir / "data" / "split" / "valid.jsonl", lines(valid, "v"));
  write_text(dir / "split-card.toml",
             "name = \"split\"\nlanguage = \"en\"\nlicence = \"test data\"\nformat = \"jsonl\"\ntext = \"text\"\n"
             "id = \"id\"\n[splits]\ntrain = \"split/train.jsonl\"\nvalid = \"split/valid.jsonl\"\n"
             "[mapping.e2e.label]\nclean = { toxic = 0 }\ntoxic = { toxic = 1 }\n");
  const std::string card = (dir / "split-card.toml").string();
  const fs::path recipe = dir / "split.toml";
  write_text(recipe, "name = \"e2e\"\npolicy = \"" + (dir / "policy.toml").string() + "\"\n"
                     "[data]\ntrain = [\"" + card + ":train\"]\nvalid = [\"" + card + ":valid\"]\n"
                     "[model]\nkind = \"ensemble\"\n" + tables + "members = " + members + "\n");
  return recipe;
}

// The toxic score `guardian moderate` gives text under model.
double toxic_score(const fs::path& model, const std::string& text, const fs::path& dir) {
  auto r = run_guardian({"moderate", "--model", model.string(), text}, dir / "data");
  EXPECT_EQ(r.code, 0) << r.output;
  const auto lines = json_lines(r.output);
  if (lines.size() != 1) {
    ADD_FAILURE() << r.output;
    return -1.0;
  }
  return lines[0]["categories"]["toxic"]["score"].get<double>();
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

TEST(EnsembleCliTest, F1OffsetsMoveTheServedBiasByWhatTheReportSaysAndFixTheDecisions) {
  // Training: "kk" marks the toxic messages, "jj" the clean ones (each with a word of its own).
  // Validation: toxic messages say "kk" once among three "jj", clean ones "jj" four times. The
  // members rank them right (a toxic message scores above every clean one) but below one half:
  // with equal weights and no fitted bias (fit = "none") the stack calls them all clean, and only
  // an offset toward toxic puts the threshold between the two.
  const auto dir = fresh_dir("ensemble_f1_offsets");
  Rows train, valid;
  for (int i = 0; i < 40; ++i) {
    train.emplace_back("kk n" + std::to_string(2 * i), 1);
    train.emplace_back("jj n" + std::to_string(2 * i + 1), 0);
  }
  for (int i = 0; i < 20; ++i) {
    valid.emplace_back("kk jj jj jj n" + std::to_string(1000 + 2 * i), 1);
    valid.emplace_back("jj jj jj jj n" + std::to_string(1001 + 2 * i), 0);
  }
  const std::string tables = "[ngram]\nbuckets_log2 = 14\nepochs = 3\nl2 = [1e-5]\n"
                             "[ngram_bag]\nbuckets_log2 = 14\ndim = 8\nepochs = 3\n"
                             "[ensemble]\nfit = \"none\"\n";
  const auto recipe = write_split_recipe(dir, train, valid, "[\"ngram\", \"ngram_bag\"]", tables);
  const auto model = dir / "model";
  auto plain = train_recipe(dir, recipe, model);
  ASSERT_EQ(plain.code, 0) << plain.output;
  const auto bias_off = nlohmann::json::parse(read_text(model / "config.json"))["guardian"]["bias"][0];
  const auto training_off = nlohmann::json::parse(read_text(model / "training.json"));
  EXPECT_FALSE(training_off["f1_offsets"]["toxic"]["applied"].get<bool>());
  const std::string weak = valid[0].first;  // toxic
  const double weak_off = toxic_score(model, weak, dir);
  EXPECT_LT(weak_off, 0.5) << "without offsets the stack calls it clean";

  // Refitted (the trained members are kept) with the offsets always on: the served bias is the
  // plain one plus the reported offsets, which move toward toxic and make every validation
  // decision right.
  write_text(recipe, read_text(recipe) + "f1_offsets = \"on\"\n");
  auto refit = train_recipe(dir, recipe, model);
  ASSERT_EQ(refit.code, 0) << refit.output;
  const auto bias_on = nlohmann::json::parse(read_text(model / "config.json"))["guardian"]["bias"][0];
  const auto training_on = nlohmann::json::parse(read_text(model / "training.json"));
  const auto& report = training_on["f1_offsets"]["toxic"];
  EXPECT_EQ(report["mode"], "on");
  EXPECT_TRUE(report["applied"].get<bool>()) << report.dump();
  ASSERT_EQ(report["offsets"].size(), 2u);
  ASSERT_EQ(bias_off.size(), 2u);
  ASSERT_EQ(bias_on.size(), 2u);
  EXPECT_EQ(report["offsets"][0].get<float>(), 0.0f) << "level 0 stays put";
  EXPECT_GT(report["offsets"][1].get<float>(), 0.0f) << "toward toxic: " << report.dump();
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_FLOAT_EQ(bias_on[l].get<float>(), bias_off[l].get<float>() + report["offsets"][l].get<float>()) << l;
  }
  auto f1 = [](const nlohmann::json& t) { return t["metrics"]["valid"]["all"]["categories"][0]["macro_f1"].get<double>(); };
  EXPECT_LT(f1(training_off), 0.5) << "all called clean: one level of two right";
  EXPECT_DOUBLE_EQ(f1(training_on), 1.0);
  EXPECT_EQ(training_on["served"]["toxic"], "stack");
  EXPECT_GT(toxic_score(model, weak, dir), 0.5) << "the offsets flip the decision (was " << weak_off << ")";
  EXPECT_LT(toxic_score(model, valid[1].first, dir), 0.5);
}

TEST(EnsembleCliTest, ServeBestServesAMemberThatBeatsTheStackOnHeldOutValidation) {
  // Two members that read the same messages differently: ngram_words sees whole words only,
  // ngram_chars mostly character n-grams. Training: toxic messages are "kk" and a word of the
  // zqx family, clean ones "jj" and a word of the wvm family, each such word seen once (whole
  // words of the families teach the words member nothing). Validation swaps the families: "kk"
  // with a wvm word is toxic, "jj" with a zqx word clean. The words member goes by kk/jj and is
  // right on every message; the chars member goes by the families' many shared character n-grams,
  // is wrong on every one and surer of itself, so the stack (equal weights, fit = "none") follows
  // it. Served alone, the words member is the better choice.
  const auto dir = fresh_dir("ensemble_serve_best");
  Rows train, valid;
  for (int i = 0; i < 40; ++i) {
    train.emplace_back("kk zqxzqxzqx" + std::to_string(i), 1);
    train.emplace_back("jj wvmwvmwvm" + std::to_string(i), 0);
  }
  for (int i = 100; i < 120; ++i) {
    valid.emplace_back("kk wvmwvmwvm" + std::to_string(i), 1);
    valid.emplace_back("jj zqxzqxzqx" + std::to_string(i), 0);
  }
  const std::string tables =
      "[ngram_words]\nbuckets_log2 = 16\nword_ngrams = 1\nchar_max = 0\ndespaced_max = 0\nepochs = 3\nl2 = [1e-5]\n"
      "[ngram_chars]\nbuckets_log2 = 16\nword_ngrams = 1\nepochs = 3\nl2 = [1e-6]\n"
      "[ensemble]\nfit = \"none\"\n";
  const auto recipe = write_split_recipe(dir, train, valid, "[\"ngram_words\", \"ngram_chars\"]", tables);
  const auto model = dir / "model";
  auto stack = train_recipe(dir, recipe, model);
  ASSERT_EQ(stack.code, 0) << stack.output;
  const auto stack_config = nlohmann::json::parse(read_text(model / "config.json"))["guardian"];
  EXPECT_TRUE(nlohmann::json::parse(read_text(model / "training.json"))["serve_held_out_macro_f1"].empty());
  const std::string probe = valid[0].first;  // toxic
  EXPECT_LT(toxic_score(model, probe, dir), 0.5) << "the stack follows the chars member";

  write_text(recipe, read_text(recipe) + "serve = \"best\"\n");
  auto best = train_recipe(dir, recipe, model);  // the trained members are kept: a refit
  ASSERT_EQ(best.code, 0) << best.output;
  const auto training = nlohmann::json::parse(read_text(model / "training.json"));
  // The evidence, one held-out macro-F1 per candidate: the words member is right on every
  // validation message, the chars member on none, the stack below the words member.
  const auto& scores = training["serve_held_out_macro_f1"]["toxic"];
  ASSERT_EQ(scores.size(), 3u) << scores.dump();
  EXPECT_DOUBLE_EQ(scores["ngram_words"].get<double>(), 100.0) << scores.dump();
  EXPECT_DOUBLE_EQ(scores["ngram_chars"].get<double>(), 0.0) << scores.dump();
  EXPECT_LT(scores["stack"].get<double>(), 100.0) << scores.dump();
  EXPECT_EQ(training["served"]["toxic"], "ngram_words");
  // The words member alone: weight 1 on it, 0 on the other, no bias.
  const auto config = nlohmann::json::parse(read_text(model / "config.json"))["guardian"];
  EXPECT_NE(config, stack_config);
  EXPECT_FLOAT_EQ(config["weights"][0][0].get<float>(), 1.0f);
  EXPECT_FLOAT_EQ(config["weights"][0][1].get<float>(), 0.0f);
  for (const auto& b : config["bias"][0]) EXPECT_EQ(b.get<float>(), 0.0f);
  EXPECT_GT(toxic_score(model, probe, dir), 0.5) << "served alone, the words member flags it";
  EXPECT_DOUBLE_EQ(training["metrics"]["valid"]["all"]["categories"][0]["macro_f1"].get<double>(), 1.0);
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

// `guardian pretrain` end to end: masked-LM pretraining of a tiny encoder that stops, resumes and
// finishes, then `guardian train` starting from it; a recipe whose [model] does not match the
// pretraining is one clear error.
#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

// The tiny encoder recipe of the CLI tests with [pretrain] on the shelf's texts and
// [model] pretrained pointing at dir/pretrained.
fs::path write_pretrain_recipe(const fs::path& dir) {
  write_encoder_recipe(dir);
  std::string text = read_text(dir / "recipe.toml");
  const auto at = text.find("[model]\n");
  text.insert(at + 8, "pretrained = \"" + (dir / "pretrained").string() + "\"\n");
  text += "[pretrain]\ntext = [\"" + (dir / "card.toml").string() + ":train[:75%]\"]\nbatch_size = 8\nsteps = 8\n";
  const fs::path recipe = dir / "pretrain.toml";
  write_text(recipe, text);
  return recipe;
}

TEST(PretrainCliTest, PretrainsResumesAndStartsTheEncoder) {
  const auto dir = fresh_dir("pretrain");
  write_shelf(dir);
  const auto recipe = write_pretrain_recipe(dir);
  auto first = run_guardian({"pretrain", "--config", recipe.string(), "-q", "--stop-after-steps", "3"}, dir / "data");
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_TRUE(fs::exists(dir / "pretrained" / "checkpoint" / "state.json")) << first.output;
  auto second = run_guardian({"pretrain", "--config", recipe.string(), "-q"}, dir / "data");
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_FALSE(fs::exists(dir / "pretrained" / "checkpoint"));
  auto lines = json_lines(second.output);
  ASSERT_FALSE(lines.empty()) << second.output;
  EXPECT_TRUE(lines.back()["finished"].get<bool>());
  EXPECT_EQ(lines.back()["steps"], 8);
  const double heldout = lines.back()["heldout_loss"].get<double>();
  EXPECT_GT(heldout, 0.0);
  EXPECT_LT(heldout, 20.0);
  for (const char* file : {"tokenizer.model", "model.safetensors", "config.json", "pretrain.json", "pretrain_log.jsonl"}) {
    EXPECT_TRUE(fs::exists(dir / "pretrained" / file)) << file;
  }

  auto train = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "model").string(), "-q"}, dir / "data");
  ASSERT_EQ(train.code, 0) << train.output;
  EXPECT_NE(train.output.find("initialised from"), std::string::npos) << train.output;
  EXPECT_EQ(read_text(dir / "model" / "tokenizer.model"), read_text(dir / "pretrained" / "tokenizer.model"))
      << "the fine-tuned model uses the pretrained tokenizer";
  auto moderate = run_guardian({"moderate", "--model", (dir / "model").string(), "you idiot"}, dir / "data");
  EXPECT_EQ(moderate.code, 0) << moderate.output;

  // Another backbone size cannot start from this pretraining.
  const auto other = dir / "other.toml";
  std::string text = read_text(recipe);
  text.replace(text.find("hidden_size = 16"), 16, "hidden_size = 24");
  write_text(other, text);
  auto mismatch = run_guardian({"train", "--config", other.string(), "--out", (dir / "model2").string(), "-q"},
                               dir / "data");
  EXPECT_NE(mismatch.code, 0);
  EXPECT_NE(mismatch.output.find("must match the pretraining"), std::string::npos) << mismatch.output;
}

TEST(PretrainCliTest, NoDerivativesTextIsRefused) {
  const auto dir = fresh_dir("pretrain_licence");
  write_shelf(dir);
  std::string card = read_text(dir / "card.toml");
  write_text(dir / "card.toml", "trainable = false\n" + card);
  const auto recipe = write_pretrain_recipe(dir);
  auto r = run_guardian({"pretrain", "--config", recipe.string(), "-q"}, dir / "data");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("not trainable"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace guardian::e2e

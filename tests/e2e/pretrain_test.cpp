// `guardian pretrain` end to end: masked-LM pretraining of a tiny encoder that stops, resumes and
// finishes, then `guardian train` starting from it; a recipe whose [model] does not match the
// pretraining is one clear error. `guardian pretrain --bag`: the rows of a tiny embedding bag,
// which `guardian train` then starts from.
#include <gtest/gtest.h>

#include <cstring>

#include "cli_fixture.h"
#include "core/safetensors.h"

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

// The rows of a safetensors "embedding" tensor ([buckets, dim] f32).
std::vector<std::vector<float>> embedding_rows(const fs::path& file) {
  const auto tensors = core::SafetensorsFile::load(file);
  const auto& view = tensors.get("embedding");
  EXPECT_EQ(view.dtype, core::DType::kF32);
  std::vector<std::vector<float>> rows(static_cast<size_t>(view.shape.at(0)), std::vector<float>(view.shape.at(1)));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(rows[r].data(), view.data.data() + r * rows[r].size() * sizeof(float), rows[r].size() * sizeof(float));
  }
  return rows;
}

TEST(BagPretrainCliTest, PretrainsTheRowsAndTheBagStartsFromThem) {
  const auto dir = fresh_dir("bag_pretrain");
  const auto card = write_shelf(dir);
  // Unlabelled text with words the labelled shelf never uses: pretraining moves their rows and
  // training never touches them, so a bag that starts from the pretraining keeps them as they are.
  write_text(dir / "data" / "shelf" / "unlabelled.txt",
             "zebra quartz violin\nquartz zebra mango\nviolin mango zebra\nmango violin quartz\n");
  write_text(dir / "unlabelled.toml", "name = \"unlabelled\"\nlanguage = \"en\"\nlicence = \"test data\"\n"
                                      "format = \"lines\"\n[splits]\ntrain = \"shelf/unlabelled.txt\"\n");
  const std::string ngram = "[model]\nkind = \"ngram\"\n[ngram]\nbuckets_log2 = 12\ndim = 8\nepochs = 3\nlr = 0.1\n"
                            "l2 = [0.0]\nembedding_dtype = \"f32\"\n";
  const std::string head = "name = \"e2e\"\npolicy = \"" + (dir / "policy.toml").string() + "\"\n[data]\ntrain = [\"" +
                           card.string() + ":train[:75%]\"]\nvalid = [\"" + card.string() + ":train[75%:]\"]\n";
  const fs::path recipe = dir / "bag.toml", plain = dir / "plain.toml";
  write_text(recipe, head + ngram + "pretrained = \"" + (dir / "rows").string() + "\"\n[bag_pretrain]\ntext = [\"" +
                         (dir / "unlabelled.toml").string() + ":train\"]\nmin_count = 1\nsubsample = 1.0\n[train]\nthreads = 1\n");
  write_text(plain, head + ngram + "[train]\nthreads = 1\n");

  auto pretrain = run_guardian({"pretrain", "--config", recipe.string(), "--bag", "ngram", "-q"}, dir / "data");
  ASSERT_EQ(pretrain.code, 0) << pretrain.output;
  auto lines = json_lines(pretrain.output);
  ASSERT_FALSE(lines.empty()) << pretrain.output;
  EXPECT_TRUE(lines.back()["finished"].get<bool>());
  EXPECT_GT(lines.back()["tokens"].get<int64_t>(), 12);
  EXPECT_TRUE(fs::exists(dir / "rows" / "bag_pretrain.json"));

  auto with = run_guardian({"train", "--config", recipe.string(), "--out", (dir / "with").string(), "-q"}, dir / "data");
  ASSERT_EQ(with.code, 0) << with.output;
  auto without = run_guardian({"train", "--config", plain.string(), "--out", (dir / "without").string(), "-q"}, dir / "data");
  ASSERT_EQ(without.code, 0) << without.output;
  const auto pretrained = embedding_rows(dir / "rows" / "embedding.safetensors");
  const auto started = embedding_rows(dir / "with" / "model.safetensors");
  const auto random = embedding_rows(dir / "without" / "model.safetensors");
  ASSERT_EQ(pretrained.size(), 4096u);
  ASSERT_EQ(started.size(), 4096u);
  int kept = 0;  // rows the pretraining moved that the bag kept (and the randomly started one lacks)
  for (size_t r = 0; r < pretrained.size(); ++r) kept += started[r] == pretrained[r] && random[r] != pretrained[r];
  EXPECT_GT(kept, 10) << "the unlabelled words' character n-grams alone are dozens of rows";
  EXPECT_NE(read_text(dir / "with" / "training.json").find("\"pretrained\""), std::string::npos);
  auto moderate = run_guardian({"moderate", "--model", (dir / "with").string(), "you idiot"}, dir / "data");
  EXPECT_EQ(moderate.code, 0) << moderate.output;

  // A bag of another width cannot start from these rows; a table that is not there is named.
  const auto wider = dir / "wider.toml";
  std::string text = read_text(recipe);
  text.replace(text.find("dim = 8"), 7, "dim = 16");
  write_text(wider, text);
  auto mismatch = run_guardian({"train", "--config", wider.string(), "--out", (dir / "wider").string(), "-q"}, dir / "data");
  EXPECT_NE(mismatch.code, 0);
  EXPECT_NE(mismatch.output.find("must match the pretraining"), std::string::npos) << mismatch.output;
  auto missing = run_guardian({"pretrain", "--config", recipe.string(), "--bag", "ngram_nope", "-q"}, dir / "data");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.output.find("ngram_nope"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace guardian::e2e

// `guardian pretrain` with [pretrain] objective = "causal": a hidden-64, 2-layer copy of decoder S
// pretrained for 100 steps on a text file the test writes; `guardian generate --ids` continues a
// prompt with it and `guardian eval --perplexity` scores texts with it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cli_fixture.h"
#include "core/fs.h"

namespace guardian::e2e {
namespace {

// Short sentences from a small grammar: enough structure for the loss to fall in 100 steps.
std::string sentences(int count, unsigned seed) {
  const std::vector<std::string> who = {"the cat", "my friend", "this player", "our team", "그 사람", "친구가"};
  const std::vector<std::string> did = {"likes", "hates", "watched", "played", "좋아한다", "싫어한다"};
  const std::vector<std::string> what = {"the game", "a movie", "the music", "this song", "축구를", "영화를"};
  std::mt19937 rng(seed);
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += who[rng() % who.size()] + " " + did[rng() % did.size()] + " " + what[rng() % what.size()] + "\n";
  }
  return out;
}

TEST(DecoderPretrainCli, PretrainsThenGeneratesAndScoresPerplexity) {
  const auto dir = fresh_dir("decoder-pretrain");
  write_text(dir / "data" / "MANIFEST.md", "# e2e shelf\n");
  write_text(dir / "data" / "text" / "lines.txt", sentences(3000, 1));
  write_text(dir / "card.toml", "name = \"lines\"\nlanguage = \"auto\"\nlicence = \"test data\"\nformat = \"lines\"\n"
                                "[splits]\ntrain = \"text/lines.txt\"\n");
  const auto out = dir / "decoder";
  write_text(dir / "recipe.toml",
             "name = \"decoder-ci\"\n[data]\ntrain = [\"" + (dir / "card.toml").string() + ":train\"]\n"
             "[tokenizer]\nvocab_size = 300\n"
             "[model]\nkind = \"decoder\"\nhidden_size = 64\nnum_hidden_layers = 2\nnum_attention_heads = 4\n"
             "num_key_value_heads = 2\nintermediate_size = 176\nmax_length = 32\ntie_word_embeddings = true\n"
             "pretrained = \"" + out.string() + "\"\n"
             "[pretrain]\nobjective = \"causal\"\nbatch_size = 8\ntokens = 25600\nlr = 0.003\nheldout_texts = 100\n");
  const auto pretrain = run_guardian({"pretrain", "--config", (dir / "recipe.toml").string(), "-q"}, dir / "data");
  ASSERT_EQ(pretrain.code, 0) << pretrain.output;
  auto lines = json_lines(pretrain.output);
  ASSERT_FALSE(lines.empty()) << pretrain.output;
  const auto& result = lines.back();
  EXPECT_TRUE(result["finished"].get<bool>());
  EXPECT_EQ(result["steps"], 100);  // 25600 tokens in steps of 8 rows of 32
  EXPECT_EQ(result["tokens"], 25600);
  const double heldout = result["heldout_perplexity"].get<double>();
  EXPECT_GT(heldout, 1.0);
  EXPECT_LT(heldout, 30.0) << "100 steps on a small grammar should leave few likely next tokens";
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.model", "tokenizer.json",
                           "tokenizer_config.json", "generation_config.json", "pretrain.json", "pretrain_log.jsonl"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }

  const auto generate = run_guardian({"generate", "--model", out.string(), "--ids", "2,10,11", "--greedy",
                                      "--ignore-eos", "--max-new-tokens", "5"});
  ASSERT_EQ(generate.code, 0) << generate.output;
  auto generated = json_lines(generate.output);
  ASSERT_FALSE(generated.empty()) << generate.output;
  EXPECT_EQ(generated.back()["new_ids"].size(), 5u);

  write_text(dir / "heldout.txt", sentences(50, 2));
  const auto eval = run_guardian({"eval", "--perplexity", "--model", out.string(), "--data",
                                  (dir / "heldout.txt").string()});
  ASSERT_EQ(eval.code, 0) << eval.output;
  auto scored = json_lines(eval.output);
  ASSERT_FALSE(scored.empty()) << eval.output;
  EXPECT_EQ(scored.back()["texts"], 50);
  const double perplexity = scored.back()["perplexity"].get<double>();
  EXPECT_GT(perplexity, 1.0);
  EXPECT_LT(perplexity, 30.0);
  EXPECT_NEAR(std::log(perplexity), scored.back()["mean_nll"].get<double>(), 1e-9);
}

}  // namespace
}  // namespace guardian::e2e

// Recipes: defaults, every section read, and each bad value a ConfigError naming key and line.
#include <gtest/gtest.h>

#include "core/error.h"
#include "train/schedule.h"
#include "train/train_config.h"

namespace guardian::train {
namespace {

std::string error_of(const std::string& toml) {
  try {
    TrainConfig::parse(toml, "recipe.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainConfigTest, ReadsEverySection) {
  auto c = TrainConfig::parse(R"(
name = "x"
policy = "binary"
[data]
train = ["beep:train[:90%]"]
valid = ["beep:train[90%:]"]
eval = ["beep:dev"]
[tokenizer]
vocab_size = 500
[model]
kind = "ngram"
hidden_size = 64
num_attention_heads = 2
[ngram]
l2 = [1e-5, 1e-4]
char_max = 4
[train]
epochs = 3
lr = 1e-3
)", "recipe.toml");
  EXPECT_EQ(c.name, "x");
  EXPECT_EQ(c.policy, "binary");
  EXPECT_EQ(c.data.train, std::vector<std::string>{"beep:train[:90%]"});
  EXPECT_EQ(c.data.eval, std::vector<std::string>{"beep:dev"});
  EXPECT_EQ(c.tokenizer.vocab_size, 500);
  EXPECT_EQ(c.model.kind, "ngram");
  EXPECT_EQ(c.model.hidden_size, 64);
  EXPECT_EQ(c.ngram.l2, (std::vector<double>{1e-5, 1e-4}));
  EXPECT_EQ(c.ngram.char_max, 4);
  EXPECT_EQ(c.optim.epochs, 3);
  EXPECT_DOUBLE_EQ(c.optim.lr, 1e-3);
  EXPECT_EQ(c.optim.batch_size, 32);  // default kept
}

TEST(TrainConfigTest, UnknownKeyNamesKeyAndLine) {
  auto message = error_of("[data]\ntrain = [\"a:b\"]\n[model]\nhiden_size = 3\n");
  EXPECT_NE(message.find("model.hiden_size"), std::string::npos) << message;
  EXPECT_NE(message.find("recipe.toml:4"), std::string::npos) << message;
}

TEST(TrainConfigTest, UnknownSectionIsAnError) {
  EXPECT_NE(error_of("[data]\ntrain = [\"a:b\"]\n[modle]\n").find("modle"), std::string::npos);
}

TEST(TrainConfigTest, OutOfRangeValuesAreErrors) {
  const std::string data = "[data]\ntrain = [\"a:b\"]\n";
  EXPECT_NE(error_of(data + "[train]\nlr = 2.0\n").find("train.lr"), std::string::npos);
  EXPECT_NE(error_of(data + "[model]\nhidden_size = 30\nnum_attention_heads = 4\n").find("num_attention_heads"),
            std::string::npos);
  EXPECT_NE(error_of(data + "[model]\nkind = \"rnn\"\n").find("model.kind"), std::string::npos);
  EXPECT_NE(error_of(data + "[ngram]\nl2 = []\n").find("ngram.l2"), std::string::npos);
  EXPECT_NE(error_of(data + "[ngram_bag]\nembedding_dtype = \"f16\"\n").find("ngram_bag.embedding_dtype"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\ntrain = []\n").find("data.train"), std::string::npos);
  // A bag sums unweighted rows: per-family TF-IDF norms mean nothing there.
  EXPECT_NE(error_of(data + "[ngram_bag]\nnorm_per_family = true\n").find("ngram_bag.norm_per_family needs dim = 0"),
            std::string::npos);
  EXPECT_TRUE(TrainConfig::parse(data + "[ngram]\nnorm_per_family = true\n", "recipe.toml").ngram.norm_per_family);
  EXPECT_TRUE(TrainConfig::parse(data + "[ngram]\nsqueeze = true\n", "recipe.toml").ngram.squeeze);
  EXPECT_FALSE(TrainConfig::parse(data, "recipe.toml").ngram.squeeze);
  EXPECT_TRUE(TrainConfig::parse(data + "[ngram_bag]\nleet = true\n", "recipe.toml").ngram_members.at("ngram_bag").leet);
  EXPECT_FALSE(TrainConfig::parse(data, "recipe.toml").ngram.leet);
  EXPECT_TRUE(TrainConfig::parse(data + "[ngram]\njamo = true\n", "recipe.toml").ngram.jamo);
  EXPECT_FALSE(TrainConfig::parse(data, "recipe.toml").ngram.jamo);
  EXPECT_EQ(TrainConfig::parse(data + "[train]\naugment = [\"choseong\", \"leet\"]\n", "recipe.toml").optim.augment,
            (std::vector<std::string>{"choseong", "leet"}));
  EXPECT_TRUE(TrainConfig::parse(data, "recipe.toml").optim.augment.empty());
  const auto typo = error_of(data + "[train]\naugment = [\"typo\"]\n");
  EXPECT_NE(typo.find("train.augment: unknown perturbation 'typo'"), std::string::npos) << typo;
  EXPECT_NE(typo.find("split, noise, choseong, leet"), std::string::npos) << "names the choices: " << typo;
  EXPECT_NE(error_of(data + "[train]\naugment = [\"leet\", \"leet\"]\n").find("'leet' twice"), std::string::npos);
  // NB-LR scales a linear model's weights; a bag has none per feature to scale.
  EXPECT_NE(error_of(data + "[ngram_bag]\nnb_scale = true\n").find("ngram_bag.nb_scale needs dim = 0"), std::string::npos);
  EXPECT_NE(error_of(data + "[ngram]\nnb_alpha = 0.0\n").find("ngram.nb_alpha"), std::string::npos);
  const auto nb = TrainConfig::parse(data + "[ngram]\nnb_scale = true\nnb_alpha = 0.5\n", "recipe.toml").ngram;
  EXPECT_TRUE(nb.nb_scale);
  EXPECT_DOUBLE_EQ(nb.nb_alpha, 0.5);
}

TEST(TrainConfigTest, ReadsTheEnsembleAndItsBagMember) {
  auto c = TrainConfig::parse(R"(
[data]
train = ["beep:train[:90%]"]
[model]
kind = "ensemble"
[ngram_bag]
dim = 32
lr = 0.05
embedding_dtype = "bf16"
[ensemble]
members = ["ngram", "ngram_bag", "encoder"]
fit = "none"
)", "recipe.toml");
  EXPECT_EQ(c.model.kind, "ensemble");
  const auto& bag = c.ngram_members.at("ngram_bag");
  EXPECT_EQ(bag.dim, 32);
  EXPECT_DOUBLE_EQ(bag.lr, 0.05);
  EXPECT_EQ(bag.embedding_dtype, "bf16");
  EXPECT_EQ(bag.epochs, TrainConfig::bag_defaults().epochs);  // unset keys keep the bag's defaults
  EXPECT_EQ(c.ngram.dim, 0);
  EXPECT_EQ(c.ensemble.members, (std::vector<std::string>{"ngram", "ngram_bag", "encoder"}));
  EXPECT_EQ(c.ensemble.fit, "none");
}

TEST(TrainConfigTest, FurtherNgramTablesAreEnsembleMembers) {
  auto c = TrainConfig::parse(R"(
[data]
train = ["beep:train[:90%]"]
[model]
kind = "ensemble"
[ngram_words]
char_max = 0
dim = 16
[ensemble]
members = ["ngram", "ngram_words"]
)", "recipe.toml");
  ASSERT_EQ(c.ngram_members.count("ngram_words"), 1u);
  EXPECT_EQ(c.ngram_members.at("ngram_words").char_max, 0);
  EXPECT_EQ(c.ngram_members.at("ngram_words").dim, 16);
  EXPECT_EQ(c.ngram_members.at("ngram_words").epochs, NgramConfig{}.epochs);  // [ngram]'s defaults
  EXPECT_EQ(c.ensemble.members, (std::vector<std::string>{"ngram", "ngram_words"}));
  const std::string data = "[data]\ntrain = [\"a:b\"]\n";
  // Its keys are checked like [ngram]'s, and a member needs its table.
  EXPECT_NE(error_of(data + "[ngram_words]\nwords = 2\n").find("ngram_words.words"), std::string::npos);
  EXPECT_NE(error_of(data + "[ngram_words]\nchar_min = 3\nchar_max = 2\n").find("ngram_words.char_min"), std::string::npos);
  EXPECT_NE(error_of(data + "[ensemble]\nmembers = [\"ngram\", \"ngram_chars\"]\n").find("'ngram_chars'"), std::string::npos);
}

TEST(TrainConfigTest, BadEnsemblesAreErrors) {
  const std::string data = "[data]\ntrain = [\"a:b\"]\n";
  EXPECT_NE(error_of(data + "[ensemble]\nmembers = [\"ngram\", \"gpt\"]\n").find("'gpt'"), std::string::npos);
  EXPECT_NE(error_of(data + "[ensemble]\nmembers = [\"ngram\", \"ngram\"]\n").find("twice"), std::string::npos);
  EXPECT_NE(error_of(data + "[ensemble]\nmembers = []\n").find("ensemble.members"), std::string::npos);
  EXPECT_NE(error_of(data + "[ensemble]\nfit = \"best\"\n").find("ensemble.fit"), std::string::npos);
  EXPECT_NE(error_of(data + "[ensemble]\nf1_offsets = \"always\"\n").find("ensemble.f1_offsets"), std::string::npos);
  EXPECT_NE(error_of(data + "[ensemble]\nserve = \"all\"\n").find("ensemble.serve"), std::string::npos);
  EXPECT_EQ(TrainConfig::parse(data + "[ensemble]\nf1_offsets = \"checked\"\n", "r.toml").ensemble.f1_offsets, "checked");
  EXPECT_NE(error_of(data + "[ngram_bag]\ndim = 0\n").find("ngram_bag.dim"), std::string::npos);
  EXPECT_NE(error_of(data + "[ngram]\ndim = 5000\n").find("ngram.dim"), std::string::npos);
  EXPECT_NE(error_of(data + "[ngram_bag]\nreplicas = 0\n").find("ngram_bag.replicas"), std::string::npos);
  // Replicas are copies inside an ensemble: a lone n-gram model asking for them is told so.
  EXPECT_NE(error_of(data + "[model]\nkind = \"ngram\"\n[ngram]\nreplicas = 3\n").find("ngram.replicas"),
            std::string::npos);
  EXPECT_EQ(TrainConfig::parse(data + "[model]\nkind = \"ensemble\"\n[ngram_bag]\nreplicas = 3\n", "r.toml")
                .ngram_members.at("ngram_bag").replicas, 3);
}

TEST(TrainConfigTest, WrongTypesAreErrors) {
  EXPECT_NE(error_of("[data]\ntrain = \"a:b\"\n").find("array of strings"), std::string::npos);
  EXPECT_NE(error_of("[data]\ntrain = [\"a:b\"]\n[train]\nepochs = 2.5\n").find("integer"), std::string::npos);
}

TEST(TrainConfigTest, SyntaxErrorNamesTheLine) {
  EXPECT_NE(error_of("[data\n").find("recipe.toml:1"), std::string::npos);
}

TEST(ScheduleTest, WarmsUpThenDecaysToTenPercent) {
  Schedule s{10, 110, 1.0};
  EXPECT_NEAR(s.at(0), 0.1, 1e-12);
  EXPECT_NEAR(s.at(9), 1.0, 1e-12);
  EXPECT_NEAR(s.at(10), 1.0, 1e-12);
  EXPECT_NEAR(s.at(60), 0.55, 1e-12);
  EXPECT_NEAR(s.at(110), 0.1, 1e-12);
  EXPECT_NEAR(s.at(500), 0.1, 1e-12);
}

TEST(TrainConfigTest, ReadsADecoderAndItsCausalPretraining) {
  auto c = TrainConfig::parse(R"(
[data]
train = ["beep:train[:90%]"]
[model]
kind = "decoder"
hidden_size = 256
num_hidden_layers = 4
num_attention_heads = 4
num_key_value_heads = 2
intermediate_size = 704
max_length = 128
tie_word_embeddings = true
[pretrain]
objective = "causal"
tokens = 3000000
heldout_texts = 100
)", "recipe.toml");
  EXPECT_EQ(c.model.kind, "decoder");
  EXPECT_EQ(c.model.num_key_value_heads, 2);
  EXPECT_TRUE(c.model.tie_word_embeddings);
  EXPECT_EQ(c.pretrain.objective, "causal");
  EXPECT_EQ(c.pretrain.tokens, 3000000);
  EXPECT_EQ(c.pretrain.heldout_texts, 100);
  EXPECT_EQ(TrainConfig().pretrain.objective, "masked");  // the encoder's masked LM stays the default

  const std::string data = "[data]\ntrain = [\"beep:train\"]\n";
  EXPECT_NE(error_of(data + "[pretrain]\nobjective = \"causal\"\n").find("model.kind = \"decoder\""), std::string::npos);
  EXPECT_NE(error_of(data + "[model]\nkind = \"decoder\"\n[pretrain]\nobjective = \"next\"\n").find("pretrain.objective"),
            std::string::npos);
  EXPECT_NE(error_of(data + "[model]\nnum_attention_heads = 4\nnum_key_value_heads = 3\n").find("num_key_value_heads"),
            std::string::npos);
}

TEST(TrainConfigTest, DecoderPretrainBenchRecipeReads) {
  const auto c = TrainConfig::load(std::filesystem::path(GUARDIAN_SOURCE_DIR) / "bench" / "recipes" /
                                   "decoder-pretrain.toml");
  EXPECT_EQ(c.pretrain.tokens, 3000000);
  EXPECT_EQ(c.model.hidden_size, 256);
  EXPECT_EQ(c.model.intermediate_size, 704);
}

}  // namespace
}  // namespace guardian::train

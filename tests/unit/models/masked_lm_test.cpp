// The masked-LM head for pretraining: Hugging Face BertForMaskedLM names with the decoder tied to
// the word embeddings, logits only at the chosen positions, and a backbone that a classifier of
// the same config loads by name.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/classifier.h"
#include "models/masked_lm.h"
#include "models/weights.h"

namespace guardian::models {
namespace {

EncoderConfig tiny_config() {
  EncoderConfig c;
  c.vocab_size = 40;
  c.hidden_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 12;
  return c;
}

TEST(MaskedLMTest, NamesFollowBertForMaskedLMWithATiedDecoder) {
  MaskedLM net(tiny_config());
  std::set<std::string> names;
  for (const auto& p : net->named_parameters()) names.insert(p.key());
  for (const char* expected : {"bert.embeddings.word_embeddings.weight", "cls.predictions.bias",
                               "cls.predictions.transform.dense.weight", "cls.predictions.transform.LayerNorm.weight"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
  EXPECT_FALSE(names.count("cls.predictions.decoder.weight")) << "the decoder is the word embeddings, not a copy";
}

TEST(MaskedLMTest, LogitsOnlyAtTheChosenPositions) {
  torch::manual_seed(1);
  MaskedLM net(tiny_config());
  auto ids = torch::randint(4, 40, {2, 6}, torch::kInt64);
  auto mask = torch::ones({2, 6}, torch::kInt64);
  auto logits = net->forward(ids, mask, torch::tensor({1, 7, 11}, torch::kInt64));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 40}));
  // The gradient reaches the word embeddings through the tied decoder too.
  logits.sum().backward();
  EXPECT_GT(net->backbone->embeddings->word_embeddings->weight.grad().abs().sum().item<double>(), 0.0);
}

TEST(MaskedLMTest, AClassifierLoadsThePretrainedBackboneByName) {
  torch::manual_seed(2);
  MaskedLM lm(tiny_config());
  const auto path = std::filesystem::temp_directory_path() / ("guardian_mlm_" + std::to_string(::getpid()) + ".safetensors");
  save_weights(*lm, path);
  ClassifierOptions options;
  options.encoder = tiny_config();
  options.levels = {2};
  Classifier net(options);
  auto report = load_weights(*net, path, /*strict=*/false);
  for (const auto& name : report.missing) EXPECT_EQ(name.rfind("heads.", 0), 0u) << name << " was not loaded";
  EXPECT_FALSE(report.unexpected.empty()) << "the cls.* head is left out";
  EXPECT_TRUE(torch::equal(net->backbone->embeddings->word_embeddings->weight,
                           lm->backbone->embeddings->word_embeddings->weight));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace guardian::models

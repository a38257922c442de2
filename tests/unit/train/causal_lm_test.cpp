// Causal language modelling on the decoder forward: the loss is next-token cross-entropy computed
// by hand; it falls on a tiny corpus; weights written in the Hugging Face layout reload through
// load_decoder to the same logits; perplexity is exact on a model whose distribution is known.
#include <cmath>
#include <filesystem>

#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "core/json_file.h"
#include "core/fs.h"
#include "infer/perplexity.h"
#include "models/decoders/decoder_model.h"
#include "train/causal_lm.h"
#include "train/decoder_export.h"
#include "train/encoder_setup.h"

namespace guardian::train {
namespace {

namespace fs = std::filesystem;
namespace decoders = models::decoders;

ModelConfig tiny_model(bool tied = true) {
  ModelConfig m;
  m.kind = "decoder";
  m.hidden_size = 16;
  m.num_hidden_layers = 2;
  m.num_attention_heads = 4;
  m.num_key_value_heads = 2;
  m.intermediate_size = 24;
  m.max_length = 12;
  m.tie_word_embeddings = tied;
  return m;
}

constexpr DecoderSpecialIds kIds{2, 3, 0};

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("guardian-causal-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(CausalLoss, EqualsNextTokenCrossEntropyByHand) {
  torch::manual_seed(1);
  const auto config = decoder_config_for(tiny_model(), 13, kIds);
  DecoderWeights weights(config);
  const auto model = decoders::decoder_over_tensors(config, weights->tensors);
  const auto rows = torch::tensor({2, 5, 7, 9, 3, 2, 4, 4, 11, 12, 6, 3}, torch::kInt64).view({2, 6});
  const double loss = causal_loss(*model, rows).item<double>();

  auto positions = torch::arange(6, torch::kInt64).unsqueeze(0).expand({2, 6}).contiguous();
  const auto logits = model->forward(rows, torch::ones_like(rows), positions).logits.detach();
  auto l = logits.accessor<float, 3>();
  auto r = rows.accessor<int64_t, 2>();
  double total = 0.0;
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t + 1 < 6; ++t) {  // position t predicts the token at t + 1
      double sum = 0.0;
      for (int v = 0; v < 13; ++v) sum += std::exp(static_cast<double>(l[b][t][v]));
      total += std::log(sum) - l[b][t][r[b][t + 1]];
    }
  }
  EXPECT_NEAR(loss, total / 10.0, 1e-5);
}

TEST(CausalLoss, FallsOverAHundredStepsOnATinyCorpus) {
  torch::manual_seed(2);
  const auto config = decoder_config_for(tiny_model(), 20, kIds);
  DecoderWeights weights(config);
  const auto model = decoders::decoder_over_tensors(config, weights->tensors);
  auto optimizer = make_adamw(*weights, 1e-2, 0.0);
  // Counting sequences: the next token is always the previous one plus one.
  std::vector<std::vector<int>> texts;
  for (int start = 4; start < 12; ++start) texts.push_back({start, start + 1, start + 2, start + 3, start + 4});
  std::vector<int64_t> flat;
  for (const auto& row : pack_rows(texts, 8, kIds)) flat.insert(flat.end(), row.begin(), row.end());
  const auto rows = torch::tensor(flat, torch::kInt64).view({-1, 8});
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 100; ++step) {
    optimizer.zero_grad();
    auto loss = causal_loss(*model, rows);
    loss.backward();
    optimizer.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.3 * first) << "first " << first << ", last " << last;
}

TEST(PackRows, EveryTextBetweenBosAndEosInFullRows) {
  const auto rows = pack_rows({{7, 8}, {9}, {10, 11, 12}}, 4, kIds);
  // Stream: 2 7 8 3 | 2 9 3 2 | 10 11 12 3  (12 tokens, three full rows)
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<int>{2, 7, 8, 3}));
  EXPECT_EQ(rows[1], (std::vector<int>{2, 9, 3, 2}));
  EXPECT_EQ(rows[2], (std::vector<int>{10, 11, 12, 3}));
}

// What the trainer writes is what load_decoder reads, computing the same logits.
void expect_reload_exact(bool tied) {
  torch::manual_seed(3);
  const auto config = decoder_config_for(tiny_model(tied), 17, kIds);
  DecoderWeights weights(config);
  const auto trained = decoders::decoder_over_tensors(config, weights->tensors);
  const auto dir = fresh_dir(tied ? "tied" : "untied");
  core::write_file_atomic(dir / "config.json", decoder_config_json(config, kIds).dump());
  write_decoder_weights(dir / "model.safetensors", weights->tensors);
  const auto loaded = decoders::load_decoder(dir);
  EXPECT_EQ(loaded->config().tie_word_embeddings, tied);
  const auto ids = torch::tensor({2, 9, 4, 16, 5, 1, 3}, torch::kInt64).unsqueeze(0);
  const auto positions = torch::arange(7, torch::kInt64).unsqueeze(0);
  const auto a = trained->forward(ids, torch::ones_like(ids), positions).logits.detach();
  const auto b = loaded->forward(ids, torch::ones_like(ids), positions).logits;
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-6);
  fs::remove_all(dir);
}

TEST(DecoderExport, ReloadsThroughTheCheckpointLoaderToTheSameLogits) {
  expect_reload_exact(true);
  expect_reload_exact(false);
}

// Every layer's output zero, one embedding row for every token: each position's distribution is
// softmax(lm_head . norm(e)), whatever came before.
TEST(Perplexity, OfAModelWithAKnownDistribution) {
  const auto config = decoder_config_for(tiny_model(false), 6, DecoderSpecialIds{0, 1, 5});
  DecoderWeights weights(config);
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : weights->tensors) {
    if (name.find("norm") == std::string::npos) t.zero_();
  }
  weights->tensors.at("model.embed_tokens.weight").fill_(1.0);  // norm(e) = 1 in every dimension
  auto head = weights->tensors.at("lm_head.weight");
  const std::vector<double> z = {0.5, 1.0, -1.0, 2.0, 0.0, 0.25};  // per-id logit / hidden
  for (int v = 0; v < 6; ++v) head[v].fill_(z[v] / 16.0);
  const auto model = decoders::decoder_over_tensors(config, weights->tensors);
  double norm = 0.0;
  for (double x : z) norm += std::exp(x);
  auto nll = [&](int id) { return std::log(norm) - z[id]; };
  // "<s> 3 4 </s>" and "<s> 2 </s>": predicted 3, 4, 1 and 2, 1.
  const auto p = infer::decoder_perplexity(*model, {{3, 4}, {2}}, 0, 1, 5, 2);
  const double expected = nll(3) + nll(4) + nll(1) + nll(2) + nll(1);
  EXPECT_EQ(p.texts, 2);
  EXPECT_EQ(p.tokens, 5);
  EXPECT_NEAR(p.nll, expected, 1e-4);
  EXPECT_NEAR(p.perplexity(), std::exp(expected / 5.0), 1e-4);
  // Padding is neither seen nor scored: one text at a time gives the same total.
  const auto alone = infer::decoder_perplexity(*model, {{3, 4}, {2}}, 0, 1, 5, 1);
  EXPECT_NEAR(alone.nll, p.nll, 1e-4);
}

}  // namespace
}  // namespace guardian::train

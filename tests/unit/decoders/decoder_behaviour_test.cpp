// What a decoder must do beyond matching one golden call: decode with a KV cache as a full
// forward would, give a padded row what it gives the row alone, keep Mistral's sliding window,
// and read a sharded checkpoint as the single file.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "generate/greedy.h"
#include "golden_support.h"
#include "models/decoders/decoder_model.h"

namespace guardian::models::decoders {
namespace {

using namespace testing;

torch::Tensor positions_for(const torch::Tensor& mask) { return generate::position_ids_from_mask(mask); }

class DecoderBehaviour : public ::testing::TestWithParam<std::string> {};

// Prefill part of the padded batch, then one token at a time: the logits of every real position
// equal the full forward's.
TEST_P(DecoderBehaviour, KvCacheDecodingEqualsFullForward) {
  const auto dir = golden_dir(GetParam());
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  const auto model = load_decoder(dir);
  const auto golden = dir / "golden.safetensors";
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  const auto positions = positions_for(mask);
  const auto full = model->forward(ids, mask, positions).logits;

  KvCache cache;
  std::vector<torch::Tensor> pieces{model->forward(ids.slice(1, 0, 5), mask.slice(1, 0, 5), positions.slice(1, 0, 5), &cache).logits};
  for (int64_t t = 5; t < ids.size(1); ++t) {
    pieces.push_back(model->forward(ids.slice(1, t, t + 1), mask.slice(1, t, t + 1), positions.slice(1, t, t + 1), &cache).logits);
  }
  EXPECT_EQ(cache.length(), ids.size(1));
  const double d = max_diff_at(torch::cat(pieces, 1), full, mask);
  std::cout << "[behaviour] " << GetParam() << " kv-cache vs full forward max abs diff " << d << "\n";
  EXPECT_LT(d, 1e-5);
}

// Row 1 of the golden batch is left-padded; alone, unpadded, it must give the same logits.
TEST_P(DecoderBehaviour, PaddedRowEqualsSequenceAlone) {
  const auto dir = golden_dir(GetParam());
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  const auto model = load_decoder(dir);
  const auto golden = dir / "golden.safetensors";
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  const auto batch = model->forward(ids, mask, positions_for(mask)).logits;
  const auto real = mask[1].to(torch::kBool);
  const auto alone_ids = ids[1].index({real}).unsqueeze(0);
  const auto alone_mask = torch::ones_like(alone_ids);
  const auto alone = model->forward(alone_ids, alone_mask, positions_for(alone_mask)).logits;
  const double d = max_diff(batch[1].index({real}), alone[0]);
  std::cout << "[behaviour] " << GetParam() << " padded row vs alone max abs diff " << d << "\n";
  EXPECT_LT(d, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Goldens, DecoderBehaviour,
                         ::testing::Values("llama", "mistral", "qwen2", "qwen3", "gemma3"),
                         [](const auto& info) { return info.param; });

// Mistral's window is 6: below it every key is visible either way, so the windowed model equals
// the same weights with full attention; beyond it they must differ.
TEST(DecoderSlidingWindow, MistralEqualsFullAttentionBelowTheWindowAndDiffersAbove) {
  const auto dir = golden_dir("mistral");
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  TempDir full_dir;
  copy_golden(dir, full_dir.path, false);
  auto config = nlohmann::json::parse(std::ifstream(full_dir.path / "config.json"));
  ASSERT_EQ(config["sliding_window"], 6);
  config["sliding_window"] = nullptr;
  std::ofstream(full_dir.path / "config.json") << config.dump();

  const auto windowed = load_decoder(dir);
  const auto full = load_decoder(full_dir.path);
  torch::manual_seed(7);
  const auto ids = torch::randint(3, 500, {1, 14}, torch::TensorOptions().dtype(torch::kInt64));
  const auto mask = torch::ones_like(ids);
  const auto positions = positions_for(mask);
  const auto a = windowed->forward(ids, mask, positions).logits;
  const auto b = full->forward(ids, mask, positions).logits;
  EXPECT_LT(max_diff(a.slice(1, 0, 6), b.slice(1, 0, 6)), 1e-6);
  const double above = max_diff(a.slice(1, 6), b.slice(1, 6));
  std::cout << "[behaviour] mistral window vs full attention beyond the window: max abs diff " << above << "\n";
  EXPECT_GT(above, 1e-3);
}

// The golden checkpoint split into two shards with an index loads to the very same logits.
TEST(DecoderCheckpoint, ShardedEqualsSingleFile) {
  const auto dir = golden_dir("llama");
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  TempDir sharded;
  std::filesystem::copy_file(dir / "config.json", sharded.path / "config.json");
  const auto source = core::SafetensorsFile::load(dir / "model.safetensors");
  const auto names = source.names();
  std::vector<core::TensorToWrite> first, second;
  nlohmann::json weight_map = nlohmann::json::object();
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& view = source.get(names[i]);
    core::TensorToWrite t{names[i], view.dtype, view.shape, view.data.data(), view.data.size()};
    const bool in_first = i < names.size() / 2;
    (in_first ? first : second).push_back(t);
    weight_map[names[i]] = in_first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  core::write_safetensors(sharded.path / "model-00001-of-00002.safetensors", first);
  core::write_safetensors(sharded.path / "model-00002-of-00002.safetensors", second);
  std::ofstream(sharded.path / "model.safetensors.index.json")
      << nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump();

  const auto golden = dir / "golden.safetensors";
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  const auto positions = positions_for(mask);
  const auto a = load_decoder(dir)->forward(ids, mask, positions).logits;
  const auto b = load_decoder(sharded.path)->forward(ids, mask, positions).logits;
  EXPECT_TRUE(torch::equal(a, b));
}

// Without ignore_eos a row that produced an eos token is filled with pad_token_id, and generation
// stops once every row has finished (transformers' rule).
TEST(DecoderGenerate, EosFinishesARowAndThenTheBatch) {
  const auto dir = golden_dir("llama");
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  const auto golden = dir / "golden.safetensors";
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  const auto expected = golden_tensor(golden, "generated_new_ids");  // row 0 starts 65, row 1 starts 248
  generate::GreedyOptions options;
  options.max_new_tokens = 8;
  for (const auto& [eos, steps] : std::vector<std::pair<nlohmann::json, int64_t>>{{{65}, 8}, {{65, 248}, 1}}) {
    TempDir copy;
    copy_golden(dir, copy.path, false);
    auto config = nlohmann::json::parse(std::ifstream(copy.path / "config.json"));
    config["eos_token_id"] = eos;
    std::ofstream(copy.path / "config.json") << config.dump();
    const auto result = generate::generate_greedy(*load_decoder(copy.path), ids, mask, options);
    ASSERT_EQ(result.new_ids.size(1), steps) << eos;
    EXPECT_EQ(result.new_ids[0][0].item<int64_t>(), 65);
    if (steps == 8) {
      EXPECT_TRUE(torch::equal(result.new_ids[0].slice(0, 1), torch::zeros({7}, torch::kInt64))) << result.new_ids;
      EXPECT_TRUE(torch::equal(result.new_ids[1], expected[1])) << result.new_ids;
    }
  }
}

// One loaded model, several requests at once: each thread keeps its own cache and gets the ids it
// would have got alone.
TEST(DecoderGenerate, ThreadsShareOneModel) {
  const auto dir = golden_dir("qwen3");
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  const std::shared_ptr<const DecoderModel> model = load_decoder(dir);
  const auto golden = dir / "golden.safetensors";
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  const auto single = golden_tensor(golden, "single_input_ids");
  const auto expected_batch = golden_tensor(golden, "generated_new_ids");
  const auto expected_single = golden_tensor(golden, "single_generated_ids").slice(1, single.size(1));
  generate::GreedyOptions options;
  options.max_new_tokens = 8;
  options.ignore_eos = true;
  std::vector<torch::Tensor> results(4);
  std::vector<std::string> errors(results.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      try {
        results[t] = t % 2 ? generate::generate_greedy(*model, single, torch::ones_like(single), options).new_ids
                           : generate::generate_greedy(*model, ids, mask, options).new_ids;
      } catch (const std::exception& e) {
        errors[t] = e.what();  // handed back to the test thread
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 0; t < results.size(); ++t) {
    ASSERT_EQ(errors[t], "") << "thread " << t;
    EXPECT_TRUE(torch::equal(results[t], t % 2 ? expected_single : expected_batch)) << "thread " << t;
  }
}

// The multimodal gemma3 checkpoint nests the text model's config under text_config and its
// tensors under model.language_model. (transformers >= 4.52) or language_model.model. (before);
// either way its text part computes what gemma3_text computes.
TEST(DecoderCheckpoint, MultimodalGemma3TextPartEqualsGemma3Text) {
  const auto dir = golden_dir("gemma3");
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  const auto text_config = nlohmann::json::parse(std::ifstream(dir / "config.json"));
  const auto source = core::SafetensorsFile::load(dir / "model.safetensors");
  const auto golden = dir / "golden.safetensors";
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  const auto expected = golden_tensor(golden, "logits");
  for (const std::string prefix : {"model.language_model.", "language_model.model."}) {
    TempDir multimodal;
    std::ofstream(multimodal.path / "config.json")
        << nlohmann::json{{"model_type", "gemma3"}, {"text_config", text_config}, {"tie_word_embeddings", true}}.dump();
    std::vector<core::TensorToWrite> tensors;
    for (const auto& name : source.names()) {
      const auto& view = source.get(name);
      tensors.push_back({prefix + name.substr(std::string("model.").size()), view.dtype, view.shape, view.data.data(),
                         view.data.size()});
    }
    core::write_safetensors(multimodal.path / "model.safetensors", tensors);
    const auto model = load_decoder(multimodal.path);
    EXPECT_LT(max_diff_at(model->forward(ids, mask, positions_for(mask)).logits, expected, mask), 1e-4) << prefix;
  }
}

}  // namespace
}  // namespace guardian::models::decoders

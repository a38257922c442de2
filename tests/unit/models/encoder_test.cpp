// The encoder classifier: Hugging Face parameter names, shapes, padding invariance, and weights
// that round-trip through safetensors (and fail loudly when the file is wrong).
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "models/classifier.h"
#include "models/weights.h"

namespace guardian::models {
namespace {

ClassifierOptions tiny_options() {
  ClassifierOptions o;
  o.encoder.vocab_size = 50;
  o.encoder.hidden_size = 16;
  o.encoder.num_hidden_layers = 2;
  o.encoder.num_attention_heads = 2;
  o.encoder.intermediate_size = 32;
  o.encoder.max_position_embeddings = 20;
  o.levels = {3, 2};
  return o;
}

std::filesystem::path temp_dir() {
  return std::filesystem::temp_directory_path() / ("guardian_models_test_" + std::to_string(::getpid()));
}

std::filesystem::path temp_path(const std::string& name) {
  std::filesystem::create_directories(temp_dir());
  return temp_dir() / name;
}

// The files these tests write go when the test binary ends (each run left a folder in /tmp).
class TempDirCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir(), ignored);
  }
};
const auto* const kTempDirCleanup = ::testing::AddGlobalTestEnvironment(new TempDirCleanup);

TEST(EncoderTest, ParameterNamesAreHuggingFaceStateDictKeys) {
  torch::manual_seed(0);
  Classifier net(tiny_options());
  std::set<std::string> names;
  for (const auto& p : net->named_parameters()) names.insert(p.key());
  for (const char* expected : {
           "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
           "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight",
           "bert.embeddings.LayerNorm.bias", "bert.encoder.layer.0.attention.self.query.weight",
           "bert.encoder.layer.0.attention.self.key.bias", "bert.encoder.layer.0.attention.self.value.weight",
           "bert.encoder.layer.0.attention.output.dense.weight", "bert.encoder.layer.0.attention.output.LayerNorm.bias",
           "bert.encoder.layer.1.intermediate.dense.weight", "bert.encoder.layer.1.output.dense.bias",
           "bert.encoder.layer.1.output.LayerNorm.weight", "heads.0.weight", "heads.1.bias"}) {
    EXPECT_TRUE(names.count(expected)) << "missing " << expected;
  }
  // 3 embedding tables + embedding LayerNorm (2) + 16 per layer x 2 + 2 heads x 2.
  EXPECT_EQ(names.size(), 3u + 2u + 16u * 2u + 4u);
}

TEST(EncoderTest, RobertaUsesItsPrefix) {
  auto o = tiny_options();
  o.encoder.model_type = "roberta";
  o.encoder.pad_token_id = 1;
  Classifier net(o);
  EXPECT_TRUE(net->named_parameters().contains("roberta.embeddings.word_embeddings.weight"));
}

TEST(EncoderTest, OutputShapeIsSumOfLevels) {
  Classifier net(tiny_options());
  net->eval();
  auto ids = torch::randint(1, 50, {4, 7}, torch::kInt64);
  auto mask = torch::ones({4, 7}, torch::kInt64);
  EXPECT_EQ(net->forward(ids, mask).sizes(), (std::vector<int64_t>{4, 5}));
}

TEST(EncoderTest, PaddingDoesNotChangeTheScores) {
  torch::manual_seed(1);
  Classifier net(tiny_options());
  net->eval();
  torch::NoGradGuard no_grad;
  auto ids = torch::tensor({{2, 7, 9, 11, 3}}, torch::kInt64);
  auto alone = net->forward(ids, torch::ones({1, 5}, torch::kInt64));
  auto padded_ids = torch::tensor({{2, 7, 9, 11, 3, 0, 0, 0}}, torch::kInt64);
  auto padded_mask = torch::tensor({{1, 1, 1, 1, 1, 0, 0, 0}}, torch::kInt64);
  auto padded = net->forward(padded_ids, padded_mask);
  EXPECT_TRUE(torch::allclose(alone, padded, 1e-5, 1e-5)) << alone << padded;
}

TEST(EncoderTest, WeightsRoundTripThroughSafetensors) {
  torch::manual_seed(2);
  Classifier a(tiny_options());
  torch::manual_seed(3);
  Classifier b(tiny_options());
  a->eval();
  b->eval();
  const auto path = temp_path("roundtrip.safetensors");
  save_weights(*a, path);
  load_weights(*b, path);
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(1, 50, {3, 6}, torch::kInt64);
  auto mask = torch::ones({3, 6}, torch::kInt64);
  EXPECT_TRUE(torch::equal(a->forward(ids, mask), b->forward(ids, mask)));
}

TEST(EncoderTest, TruncatedWeightsAreAFormatError) {
  Classifier a(tiny_options());
  const auto path = temp_path("truncated.safetensors");
  save_weights(*a, path);
  const auto size = std::filesystem::file_size(path);
  for (auto keep : {size - 1, size / 2, static_cast<decltype(size)>(12), static_cast<decltype(size)>(3)}) {
    std::filesystem::resize_file(path, keep);
    Classifier b(tiny_options());
    EXPECT_THROW(load_weights(*b, path), FormatError) << "kept " << keep << " bytes";
  }
}

TEST(EncoderTest, ShapeMismatchNamesTheTensor) {
  Classifier a(tiny_options());
  const auto path = temp_path("mismatch.safetensors");
  save_weights(*a, path);
  auto other = tiny_options();
  other.levels = {3, 3};
  Classifier b(other);
  try {
    load_weights(*b, path);
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("heads.1"), std::string::npos) << e.what();
  }
}

TEST(EncoderTest, BadConfigIsAConfigError) {
  auto o = tiny_options();
  o.encoder.num_attention_heads = 3;  // 16 is not a multiple of 3
  EXPECT_THROW(Classifier{o}, ConfigError);
}

}  // namespace
}  // namespace guardian::models

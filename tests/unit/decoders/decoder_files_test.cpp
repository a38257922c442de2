// Wrong or hostile configs and checkpoints are refused with one clear error: the type, and a
// message naming the file, the key or tensor, and what was expected.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/safetensors.h"
#include "golden_support.h"
#include "models/decoders/architectures.h"
#include "models/decoders/decoder_model.h"

namespace guardian::models::decoders {
namespace {

using namespace testing;

// Expects fn to throw exactly E with every fragment in its message.
template <typename E, typename Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& fragments) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& f : fragments) EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type: " << e.what();
  }
}

class DecoderConfigErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = golden_dir("llama");
    ASSERT_TRUE(std::filesystem::is_directory(dir));
    config_ = nlohmann::json::parse(std::ifstream(dir / "config.json"));
    legacy_ = nlohmann::json::parse(std::ifstream(dir / "config.legacy.json"));
  }
  std::filesystem::path write(const nlohmann::json& json) {
    const auto path = scratch_.path / "config.json";
    std::ofstream(path) << json.dump();
    return path;
  }
  TempDir scratch_;
  nlohmann::json config_, legacy_;
};

TEST_F(DecoderConfigErrors, BothSpellingsOfRopeReadTheSame) {
  const auto a = load_decoder_config(write(config_));
  const auto b = load_decoder_config(write(legacy_));
  const auto& ra = a.rope_for_layer(0);
  const auto& rb = b.rope_for_layer(0);
  EXPECT_EQ(ra.rope_type, "llama3");
  EXPECT_EQ(rb.rope_type, ra.rope_type);
  EXPECT_EQ(rb.rope_theta, ra.rope_theta);
  EXPECT_EQ(rb.factor, ra.factor);
  EXPECT_EQ(rb.original_max_position_embeddings, 64);
  auto old = legacy_;
  old["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  EXPECT_EQ(load_decoder_config(write(old)).rope_for_layer(0).rope_type, "linear");
}

TEST_F(DecoderConfigErrors, UnknownModelType) {
  config_["model_type"] = "gpt_neox";
  expect_error<UnsupportedError>([&] { load_decoder_config(write(config_)); }, {"config.json", "model_type", "gpt_neox", "llama"});
}

TEST_F(DecoderConfigErrors, UnsupportedRopeType) {
  legacy_["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  expect_error<UnsupportedError>([&] { load_decoder_config(write(legacy_)); }, {"config.json", "rope_scaling.rope_type", "yarn"});
  config_["rope_parameters"]["rope_type"] = "longrope";
  expect_error<UnsupportedError>([&] { load_decoder_config(write(config_)); }, {"rope_parameters.rope_type", "longrope"});
}

TEST_F(DecoderConfigErrors, MissingOrInvalidKeys) {
  auto missing = config_;
  missing.erase("hidden_size");
  expect_error<ConfigError>([&] { load_decoder_config(write(missing)); }, {"config.json", "\"hidden_size\"", "missing"});
  auto text = config_;
  text["num_hidden_layers"] = "two";
  expect_error<ConfigError>([&] { load_decoder_config(write(text)); }, {"\"num_hidden_layers\"", "an integer"});
  auto llama3 = config_;
  llama3["rope_parameters"].erase("original_max_position_embeddings");
  expect_error<ConfigError>([&] { load_decoder_config(write(llama3)); }, {"rope_parameters.original_max_position_embeddings"});
}

TEST_F(DecoderConfigErrors, DimensionsThatCannotBe) {
  auto negative = config_;
  negative["intermediate_size"] = -128;
  expect_error<ConfigError>([&] { load_decoder_config(write(negative)); }, {"\"intermediate_size\"", "positive"});
  auto zero = config_;
  zero["num_hidden_layers"] = 0;
  expect_error<ConfigError>([&] { load_decoder_config(write(zero)); }, {"\"num_hidden_layers\""});
  auto heads = config_;
  heads["num_key_value_heads"] = 3;
  expect_error<ConfigError>([&] { load_decoder_config(write(heads)); }, {"\"num_key_value_heads\"", "divisor"});
  auto width = config_;
  width.erase("head_dim");
  width["num_attention_heads"] = 5;
  width["num_key_value_heads"] = 5;
  expect_error<ConfigError>([&] { load_decoder_config(write(width)); }, {"\"num_attention_heads\"", "hidden_size"});
}

TEST_F(DecoderConfigErrors, AbsurdSizesRefusedBeforeAllocating) {
  auto huge = config_;
  huge["vocab_size"] = 4000000;
  huge["hidden_size"] = 65536;
  huge["head_dim"] = 128;
  huge["num_attention_heads"] = 512;
  huge["num_key_value_heads"] = 8;
  expect_error<ConfigError>([&] { load_decoder_config(write(huge)); }, {"config.json", "vocab_size", "parameters"});
  auto wide = config_;
  wide["hidden_size"] = int64_t{1} << 40;
  expect_error<ConfigError>([&] { load_decoder_config(write(wide)); }, {"\"hidden_size\"", "at most"});
}

TEST(DecoderArchitectures, RegistryKnowsTheHuggingFaceModelTypes) {
  for (const char* type : {"llama", "mistral", "qwen2", "qwen3", "gemma3_text", "gemma3"}) {
    EXPECT_TRUE(decoder_architectures().count(type)) << type;
  }
}

class DecoderCheckpointErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = golden_dir("llama");
    ASSERT_TRUE(std::filesystem::is_directory(source_));
    std::filesystem::copy_file(source_ / "config.json", scratch_.path / "config.json");
  }
  // model.safetensors from the golden one with `change` applied to the list of tensors.
  void write_weights(const std::function<void(std::vector<core::TensorToWrite>&)>& change) {
    const auto file = core::SafetensorsFile::load(source_ / "model.safetensors");
    std::vector<core::TensorToWrite> tensors;
    for (const auto& name : file.names()) {
      const auto& v = file.get(name);
      tensors.push_back({name, v.dtype, v.shape, v.data.data(), v.data.size()});
    }
    change(tensors);
    core::write_safetensors(scratch_.path / "model.safetensors", tensors);
  }
  void write_index(const nlohmann::json& weight_map) {
    std::ofstream(scratch_.path / "model.safetensors.index.json") << nlohmann::json{{"weight_map", weight_map}}.dump();
  }
  std::filesystem::path source_;
  TempDir scratch_;
};

TEST_F(DecoderCheckpointErrors, MissingTensorNamesFileTensorAndShape) {
  write_weights([](auto& tensors) {
    std::erase_if(tensors, [](const auto& t) { return t.name == "model.layers.1.post_attention_layernorm.weight"; });
  });
  expect_error<FormatError>([&] { load_decoder(scratch_.path); },
                            {"model.safetensors", "model.layers.1.post_attention_layernorm.weight", "[64]", "missing"});
}

TEST_F(DecoderCheckpointErrors, UntiedModelWithoutLmHead) {
  write_weights([](auto& tensors) { std::erase_if(tensors, [](const auto& t) { return t.name == "lm_head.weight"; }); });
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"lm_head.weight", "[512, 64]"});
}

TEST_F(DecoderCheckpointErrors, WrongShape) {
  std::vector<float> small(32, 0.0f);
  write_weights([&](auto& tensors) {
    for (auto& t : tensors) {
      if (t.name == "model.norm.weight") t = {t.name, core::DType::kF32, {32}, small.data(), small.size() * sizeof(float)};
    }
  });
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"model.safetensors", "model.norm.weight", "[32]", "expected [64]"});
}

TEST_F(DecoderCheckpointErrors, NoWeightsAtAll) {
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"model.safetensors", "model.safetensors.index.json"});
}

TEST_F(DecoderCheckpointErrors, IndexNamingAMissingShard) {
  write_index({{"model.embed_tokens.weight", "model-00001-of-00002.safetensors"}});
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"model.safetensors.index.json", "model-00001-of-00002.safetensors"});
}

TEST_F(DecoderCheckpointErrors, IndexReachingOutsideTheDirectory) {
  write_index({{"model.embed_tokens.weight", "../model.safetensors"}});
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"model.safetensors.index.json", "../model.safetensors", "file name"});
}

TEST_F(DecoderCheckpointErrors, TruncatedShard) {
  std::filesystem::copy_file(source_ / "model.safetensors", scratch_.path / "shard.safetensors");
  const auto size = std::filesystem::file_size(scratch_.path / "shard.safetensors");
  std::filesystem::resize_file(scratch_.path / "shard.safetensors", size - 1000);
  write_index({{"model.embed_tokens.weight", "shard.safetensors"}});
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"shard.safetensors", "past"});
}

TEST_F(DecoderCheckpointErrors, OverflowingShape) {
  const std::string header =
      R"({"model.embed_tokens.weight":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,4]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  bytes += header + std::string(4, '\0');
  std::ofstream(scratch_.path / "model.safetensors", std::ios::binary) << bytes;
  expect_error<FormatError>([&] { load_decoder(scratch_.path); }, {"model.safetensors", "overflows"});
}

}  // namespace
}  // namespace guardian::models::decoders

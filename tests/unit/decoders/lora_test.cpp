// PEFT's LoRA adapters applied to the tiny golden checkpoints must reproduce what PEFT computed:
// logits to 1e-4 at real positions, kept apart (PeftModel) and merged (merge_and_unload), and the
// modules, ranks and scalings PEFT resolved from each adapter_config.json.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fs.h"
#include "golden_support.h"
#include "models/decoders/decoder_model.h"
#include "models/decoders/lora.h"
#include "models/decoders/lora_config.h"
#include "models/decoders/lora_merge.h"

namespace guardian::models::decoders {
namespace {

using namespace testing;
namespace fs = std::filesystem;

constexpr double kTolerance = 1e-4;

fs::path peft_dir(const std::string& name) {
  const auto dir = goldens_root().parent_path() / "peft" / name;
  EXPECT_TRUE(fs::is_directory(dir)) << dir << " is missing";
  return dir;
}

nlohmann::json read_json(const fs::path& file) { return nlohmann::json::parse(std::ifstream(file)); }

class LoraGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    adapter_ = peft_dir(GetParam());
    golden_ = read_json(adapter_ / "golden.json");
    base_ = golden_dir(golden_["base_model"].get<std::string>());
  }
  torch::Tensor tensor(const std::string& name) const { return golden_tensor(adapter_ / "golden.safetensors", name); }
  double logits_diff(bool merge, const std::string& expected) const {
    DecoderLoadOptions options;
    options.adapter = adapter_;
    options.merge_adapter = merge;
    const auto model = load_decoder(base_, options);
    const auto mask = tensor("attention_mask");
    const auto out = model->forward(tensor("input_ids"), mask, tensor("position_ids"));
    const double diff = max_diff_at(out.logits, tensor(expected), mask);
    std::cout << "[peft golden] " << GetParam() << (merge ? " merged" : " apart") << " vs " << expected
              << " max abs diff " << diff << "\n";
    return diff;
  }

  fs::path adapter_, base_;
  nlohmann::json golden_;
};

TEST_P(LoraGolden, AdapterKeptApartGivesPeftsLogits) { EXPECT_LT(logits_diff(false, "logits"), kTolerance); }

TEST_P(LoraGolden, MergedAdapterGivesPeftsMergedLogits) { EXPECT_LT(logits_diff(true, "logits_merged"), kTolerance); }

TEST_P(LoraGolden, AdapterChangesTheBaseModelsLogits) {
  const auto model = load_decoder(base_);
  const auto mask = tensor("attention_mask");
  const auto out = model->forward(tensor("input_ids"), mask, tensor("position_ids"));
  EXPECT_GT(max_diff_at(out.logits, tensor("logits"), mask), 1e-2) << "the golden would not notice a dropped adapter";
}

TEST_P(LoraGolden, TargetsRanksAndScalingsAreThoseThatPeftResolved) {
  const auto config = read_lora_config(adapter_ / kAdapterConfigFile);
  const auto layers = read_json(base_ / "config.json")["num_hidden_layers"].get<int>();
  std::set<std::string> targeted;
  for (int i = 0; i < layers; ++i) {
    for (const char* m : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                          "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
      const std::string name = "model.layers." + std::to_string(i) + "." + m;
      if (config.targets(name)) targeted.insert(name);
    }
  }
  EXPECT_FALSE(config.targets("lm_head"));
  std::set<std::string> expected;
  for (const auto& [name, module] : golden_["lora_modules"].items()) {
    expected.insert(name);
    EXPECT_EQ(config.rank_for(name), module["r"].get<int64_t>()) << name;
    EXPECT_DOUBLE_EQ(config.scaling_for(name), module["scaling"].get<double>()) << name;
  }
  EXPECT_EQ(targeted, expected);
}

INSTANTIATE_TEST_SUITE_P(Peft, LoraGolden,
                         ::testing::Values("llama-lora", "llama-lora-minimal-config", "llama-lora-patterns",
                                "llama-lora-trainable-tokens", "qwen3-lora", "qwen3-lora-rslora-all-linear",
                                "qwen3-lora-trainable-tokens"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& ch : name) if (ch == '-') ch = '_';
                           return name;
                         });

// A copy of a golden adapter whose config the test edits.
struct EditedAdapter {
  TempDir dir;
  explicit EditedAdapter(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    const auto from = peft_dir(name);
    fs::copy_file(from / kAdapterWeightsFile, dir.path / kAdapterWeightsFile);
    auto config = read_json(from / kAdapterConfigFile);
    edit(config);
    std::ofstream(dir.path / kAdapterConfigFile) << config.dump(2);
  }
};

std::string load_error(const fs::path& adapter) {
  DecoderLoadOptions options;
  options.adapter = adapter;
  try {
    load_decoder(golden_dir("llama"), options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LoraErrors, ATargetThatMatchesNoModuleIsNamed) {
  EditedAdapter a("llama-lora", [](auto& c) { c["target_modules"] = {"q_proj", "v_proj", "qkv_proj"}; });
  EXPECT_NE(load_error(a.dir.path).find("names 'qkv_proj', which matches no module"), std::string::npos)
      << load_error(a.dir.path);
}

TEST(LoraErrors, ATensorNoTargetedModuleTakesIsNamed) {
  EditedAdapter a("llama-lora", [](auto& c) { c["target_modules"] = {"q_proj"}; });
  const auto m = load_error(a.dir.path);
  EXPECT_NE(m.find("v_proj.lora_A.weight' belongs to no module"), std::string::npos) << m;
}

TEST(LoraErrors, ATargetedModuleWithoutTensorsIsNamed) {
  EditedAdapter a("llama-lora", [](auto& c) { c["target_modules"] = {"q_proj", "v_proj", "k_proj"}; });
  const auto m = load_error(a.dir.path);
  EXPECT_NE(m.find("k_proj.lora_A.weight' of shape [4, 64] is missing"), std::string::npos) << m;
}

TEST(LoraErrors, ARankThatDisagreesWithTheTensorsIsAShapeError) {
  EditedAdapter a("llama-lora", [](auto& c) { c["r"] = 8; });
  const auto m = load_error(a.dir.path);
  EXPECT_NE(m.find("has shape [4, 64], expected [8, 64]"), std::string::npos) << m;
}

TEST(LoraErrors, SettingsGuardianDoesNotApplyAreRefusedByName) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"use_dora", true}, {"bias", "all"}, {"fan_in_fan_out", true}, {"modules_to_save", {"lm_head"}},
           {"layers_to_transform", {0}}, {"peft_type", "IA3"}}) {
    EditedAdapter a("llama-lora", [&](auto& c) { c[key] = value; });
    const auto m = load_error(a.dir.path);
    EXPECT_NE(m.find("'" + key + "'"), std::string::npos) << key << ": " << m;
  }
}

TEST_P(LoraGolden, MergedCheckpointAloneGivesPeftsMergedLogits) {
  TempDir scratch;
  const auto out = scratch.path / "merged";
  const auto report = merge_adapter(base_, adapter_, out);
  EXPECT_LT(report.max_logit_diff, kTolerance);
  EXPECT_EQ(report.merged_linears, static_cast<int64_t>(golden_["lora_modules"].size()));
  const auto model = load_decoder(out);
  const auto mask = tensor("attention_mask");
  const auto logits = model->forward(tensor("input_ids"), mask, tensor("position_ids")).logits;
  EXPECT_LT(max_diff_at(logits, tensor("logits_merged"), mask), kTolerance);
}

TEST_P(LoraGolden, AnAdapterWrittenAndReadBackIsTheSameAdapter) {
  auto adapter = LoraAdapter::load(adapter_);
  std::map<std::string, LoraLinear> linears;
  for (const auto& module : adapter.adapted_linears()) linears[module] = adapter.linear(module);
  std::map<std::string, torch::Tensor> rows;
  const auto hidden = read_json(base_ / "config.json")["hidden_size"].get<int64_t>();
  for (const auto& module : adapter.replaced_embeddings()) rows[module] = adapter.token_rows(module, hidden);
  TempDir scratch;
  save_lora_adapter(scratch.path, adapter.config(), linears, rows);

  const auto written = LoraAdapter::load(scratch.path);
  const auto& a = adapter.config();
  const auto& b = written.config();
  EXPECT_EQ(b.r, a.r);
  EXPECT_EQ(b.lora_alpha, a.lora_alpha);
  EXPECT_EQ(b.use_rslora, a.use_rslora);
  EXPECT_EQ(b.rank_pattern, a.rank_pattern);
  EXPECT_EQ(b.alpha_pattern, a.alpha_pattern);
  EXPECT_EQ(b.trainable_token_indices, a.trainable_token_indices);
  for (const auto& [module, lora] : linears) {
    EXPECT_TRUE(b.targets(module)) << module;
    EXPECT_EQ(b.scaling_for(module), a.scaling_for(module)) << module;
  }
  // Bit for bit: every tensor of the written file equals the golden file's.
  const auto original = Checkpoint::open_file(adapter_ / kAdapterWeightsFile);
  const auto copy = Checkpoint::open_file(scratch.path / kAdapterWeightsFile);
  ASSERT_EQ(copy.names(), original.names());
  for (const auto& name : original.names()) {
    EXPECT_TRUE(torch::equal(copy.load(name, copy.shape(name)), original.load(name, original.shape(name)))) << name;
  }
  DecoderLoadOptions options;
  options.adapter = scratch.path;
  const auto model = load_decoder(base_, options);
  const auto mask = tensor("attention_mask");
  EXPECT_LT(max_diff_at(model->forward(tensor("input_ids"), mask, tensor("position_ids")).logits,
                        tensor("logits_merged"), mask),
            kTolerance);
}

TEST(LoraMerge, AnAdapterThatDoesNotFitLeavesNothingBehind) {
  EditedAdapter a("llama-lora", [](auto& c) { c["target_modules"] = {"q_proj"}; });
  TempDir scratch;
  const auto out = scratch.path / "merged";
  EXPECT_THROW(merge_adapter(golden_dir("llama"), a.dir.path, out), Error);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
}

TEST(LoraConfigRules, ListsMatchWholeNamesOrDottedSuffixesAndRegexesTheWholeName) {
  auto config = parse_lora_config(R"({"peft_type": "LORA", "target_modules": ["q_proj", "mlp"]})", "a.json");
  EXPECT_TRUE(config.targets("model.layers.0.self_attn.q_proj"));
  EXPECT_FALSE(config.targets("model.layers.0.self_attn.xq_proj")) << "a suffix must start after a dot";
  EXPECT_TRUE(config.targets("model.layers.0.mlp"));
  EXPECT_FALSE(config.targets("model.layers.0.mlp.up_proj"));
  config = parse_lora_config(R"({"peft_type": "LORA", "target_modules": ".*\\.q_proj"})", "a.json");
  EXPECT_TRUE(config.targets("model.layers.0.self_attn.q_proj"));
  EXPECT_FALSE(config.targets("model.layers.0.self_attn.q_proj.extra")) << "the regex must match the whole name";
  EXPECT_EQ(config.r, 8);
  EXPECT_DOUBLE_EQ(config.scaling_for("model.layers.0.self_attn.q_proj"), 1.0) << "PEFT's defaults: r 8, alpha 8";
}

TEST(LoraConfigRules, TheFirstPatternKeyInTheFilesOrderWins) {
  const auto config = parse_lora_config(
      R"({"peft_type": "LORA", "target_modules": ["v_proj"], "r": 4, "lora_alpha": 8,
          "rank_pattern": {"v_proj": 2, "layers.1.self_attn.v_proj": 16}, "use_rslora": true})",
      "a.json");
  EXPECT_EQ(config.rank_for("model.layers.1.self_attn.v_proj"), 2) << "v_proj comes first in the file";
  EXPECT_EQ(config.rank_for("model.layers.1.self_attn.q_proj"), 4);
  EXPECT_DOUBLE_EQ(config.scaling_for("model.layers.1.self_attn.v_proj"), 8 / std::sqrt(2.0));
}

}  // namespace
}  // namespace guardian::models::decoders

#include "models/decoders/lora.h"

#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fs.h"
#include "core/safetensors.h"

namespace guardian::models::decoders {

namespace {

// PEFT saves a tensor under the base model's module name, below the PeftModel wrapper's prefix;
// the adapter's name ("default") is not part of it.
constexpr const char* kPeftPrefix = "base_model.model.";
constexpr const char* kLoraA = ".lora_A.weight";
constexpr const char* kTokenRows = ".token_adapter.trainable_tokens_delta";

// The module names of the file's tensors that end with suffix.
std::vector<std::string> modules_with(const Checkpoint& weights, const std::string& suffix) {
  std::vector<std::string> out;
  const std::string prefix = kPeftPrefix;
  for (const auto& name : weights.names()) {
    if (name.starts_with(prefix) && name.ends_with(suffix) && name.size() > prefix.size() + suffix.size()) {
      out.push_back(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()));
    }
  }
  return out;
}

}  // namespace

LoraAdapter::LoraAdapter(std::filesystem::path dir, LoraConfig config, Checkpoint weights)
    : dir_(std::move(dir)), config_(std::move(config)), weights_(std::move(weights)) {}

LoraAdapter LoraAdapter::load(const std::filesystem::path& dir) {
  auto config = read_lora_config(dir / kAdapterConfigFile);
  auto weights = Checkpoint::open_file(dir / kAdapterWeightsFile);
  return LoraAdapter(dir, std::move(config), std::move(weights));
}

std::vector<std::string> LoraAdapter::adapted_linears() const { return modules_with(weights_, kLoraA); }

std::vector<std::string> LoraAdapter::replaced_embeddings() const { return modules_with(weights_, kTokenRows); }

std::optional<LoraLinear> LoraAdapter::for_linear(const std::string& module, int64_t out, int64_t in) {
  if (!config_.targets(module)) return std::nullopt;
  any_matched_ = true;
  for (const auto& name : config_.target_names) {
    if (module == name || module.ends_with("." + name)) matched_.insert(name);
  }
  const int64_t r = config_.rank_for(module);
  const std::string a = kPeftPrefix + module + kLoraA, b = kPeftPrefix + module + ".lora_B.weight";
  LoraLinear out_lora{weights_.load(a, {r, in}), weights_.load(b, {out, r}), config_.scaling_for(module)};
  taken_.insert(a);
  taken_.insert(b);
  return out_lora;
}

torch::Tensor LoraAdapter::token_rows(const std::string& embedding_module, int64_t hidden) {
  if (config_.trainable_token_indices.empty()) return {};
  const auto name = kPeftPrefix + embedding_module + kTokenRows;
  auto rows = weights_.load(name, {static_cast<int64_t>(config_.trainable_token_indices.size()), hidden});
  taken_.insert(name);
  return rows;
}

LoraLinear LoraAdapter::linear(const std::string& module) {
  const std::string a = kPeftPrefix + module + kLoraA, b = kPeftPrefix + module + ".lora_B.weight";
  LoraLinear out{weights_.load(a, weights_.shape(a)), weights_.load(b, weights_.shape(b)), config_.scaling_for(module)};
  taken_.insert(a);
  taken_.insert(b);
  return out;
}

void LoraAdapter::check_complete() const {
  const auto where = (dir_ / kAdapterConfigFile).string();
  if (!any_matched_) throw ConfigError(where + ": 'target_modules' matches no module of the base model");
  for (const auto& name : config_.target_names) {
    if (!matched_.count(name)) throw ConfigError(where + ": 'target_modules' names '" + name + "', which matches no module");
  }
  for (const auto& name : weights_.names()) {
    if (!taken_.count(name)) {
      throw FormatError((dir_ / kAdapterWeightsFile).string() + ": tensor '" + name +
                        "' belongs to no module the adapter's config targets in this base model");
    }
  }
}

namespace {

nlohmann::ordered_json peft_config_json(const LoraConfig& config, const std::map<std::string, LoraLinear>& linears) {
  nlohmann::ordered_json targets;
  if (!config.target_regex.empty()) {
    targets = config.target_regex;
  } else if (config.target_all_linear) {
    std::set<std::string> leaves;
    for (const auto& [module, _] : linears) leaves.insert(module.substr(module.rfind('.') + 1));
    targets = std::vector<std::string>(leaves.begin(), leaves.end());
  } else {
    targets = config.target_names;
  }
  nlohmann::ordered_json rank_pattern = nlohmann::ordered_json::object(), alpha_pattern = nlohmann::ordered_json::object();
  for (const auto& [key, rank] : config.rank_pattern) rank_pattern[key] = rank;
  for (const auto& [key, alpha] : config.alpha_pattern) alpha_pattern[key] = alpha;
  nlohmann::ordered_json json;
  json["alpha_pattern"] = alpha_pattern;
  json["base_model_name_or_path"] = config.base_model_name_or_path.empty() ? nlohmann::ordered_json()
                                                                           : nlohmann::ordered_json(config.base_model_name_or_path);
  json["bias"] = "none";
  json["fan_in_fan_out"] = false;
  json["inference_mode"] = true;
  json["init_lora_weights"] = true;
  json["layers_pattern"] = nullptr;
  json["layers_to_transform"] = nullptr;
  json["lora_alpha"] = config.lora_alpha;
  json["lora_dropout"] = config.lora_dropout;
  json["modules_to_save"] = nullptr;
  json["peft_type"] = "LORA";
  json["r"] = config.r;
  json["rank_pattern"] = rank_pattern;
  json["revision"] = nullptr;
  json["target_modules"] = targets;
  json["task_type"] = "CAUSAL_LM";
  json["trainable_token_indices"] = config.trainable_token_indices.empty()
                                        ? nlohmann::ordered_json()
                                        : nlohmann::ordered_json(config.trainable_token_indices);
  json["use_dora"] = false;
  json["use_rslora"] = config.use_rslora;
  return json;
}

}  // namespace

void save_lora_adapter(const std::filesystem::path& dir, const LoraConfig& config,
                       const std::map<std::string, LoraLinear>& linears,
                       const std::map<std::string, torch::Tensor>& token_rows) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& [module, lora] : linears) {
    tensors.emplace_back(kPeftPrefix + module + kLoraA, lora.a.to(torch::kFloat32).contiguous());
    tensors.emplace_back(kPeftPrefix + module + ".lora_B.weight", lora.b.to(torch::kFloat32).contiguous());
  }
  for (const auto& [module, rows] : token_rows) {
    tensors.emplace_back(kPeftPrefix + module + kTokenRows, rows.to(torch::kFloat32).contiguous());
  }
  std::vector<core::TensorToWrite> writes;
  for (const auto& [name, t] : tensors) {
    writes.push_back({name, core::DType::kF32, t.sizes().vec(), t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float)});
  }
  std::filesystem::create_directories(dir);
  core::write_safetensors(dir / kAdapterWeightsFile, writes, {{"format", "pt"}});
  core::write_file_atomic(dir / kAdapterConfigFile, peft_config_json(config, linears).dump(2) + "\n");
}

}  // namespace guardian::models::decoders

#include "models/decoders/lora.h"

#include "core/error.h"

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

}  // namespace guardian::models::decoders

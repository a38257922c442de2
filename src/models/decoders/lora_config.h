// A LoRA adapter's settings as Hugging Face PEFT writes them (adapter_config.json), and PEFT's rules
// for which modules it adapts and with what rank and scaling. No torch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace guardian::models::decoders {

inline constexpr const char* kAdapterConfigFile = "adapter_config.json";
inline constexpr const char* kAdapterWeightsFile = "adapter_model.safetensors";

struct LoraConfig {
  std::filesystem::path file;  // named in every error
  // PEFT's defaults, used when a key is absent (LoraConfig in peft/tuners/lora/config.py).
  int64_t r = 8;
  double lora_alpha = 8;
  bool use_rslora = false;     // scaling alpha / sqrt(r) instead of alpha / r
  double lora_dropout = 0.0;   // training only
  // target_modules: a list (a module whose name equals an entry or ends with "." + entry), a
  // regular expression matched against the whole name, or "all-linear" (every Linear but the LM head).
  std::vector<std::string> target_names;
  std::string target_regex;
  bool target_all_linear = false;
  // Per-module overrides, in the file's order: the first key K for which the module's name
  // matches (.*\.)?(K) wins.
  std::vector<std::pair<std::string, int64_t>> rank_pattern;
  std::vector<std::pair<std::string, double>> alpha_pattern;
  // Rows of the input embedding the adapter replaces (PEFT's trainable tokens), in the file's order.
  std::vector<int64_t> trainable_token_indices;
  std::string base_model_name_or_path;

  // Whether PEFT adapts the Linear module of this full name (e.g. "model.layers.0.self_attn.q_proj").
  // lm_head is never an all-linear target.
  bool targets(const std::string& module) const;
  int64_t rank_for(const std::string& module) const;
  double scaling_for(const std::string& module) const;
};

// ConfigError naming the file and the key for a value that is malformed or that guardian does not
// apply (DoRA, biases, fan_in_fan_out, modules_to_save, layer selection, another peft_type), so an
// adapter is never loaded half-understood.
LoraConfig parse_lora_config(const std::string& text, const std::filesystem::path& file);
LoraConfig read_lora_config(const std::filesystem::path& file);

}  // namespace guardian::models::decoders

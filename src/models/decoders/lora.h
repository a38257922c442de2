// A PEFT LoRA adapter read for one base model (adapter_config.json + adapter_model.safetensors):
// per adapted Linear its A [r, in], B [out, r] and scaling, and the embedding rows it replaces. The
// decoder asks for each of its modules by name; whatever the file holds that no module took, or a
// target that matched no module, is an error, so an adapter is never applied in part.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <torch/torch.h>

#include "models/decoders/checkpoint.h"
#include "models/decoders/lora_config.h"

namespace guardian::models::decoders {

struct LoraLinear {
  torch::Tensor a;       // [r, in]
  torch::Tensor b;       // [out, r]
  double scaling = 1.0;  // lora_alpha / r, or / sqrt(r) with rsLoRA
};

class LoraAdapter {
 public:
  // ConfigError / FormatError naming the file for a config or weights file that is missing or malformed.
  static LoraAdapter load(const std::filesystem::path& dir);

  const LoraConfig& config() const { return config_; }
  const std::filesystem::path& dir() const { return dir_; }

  // The adapter of the Linear module of this full name (e.g. "model.layers.0.self_attn.q_proj"),
  // nullopt when the config does not target it. FormatError naming the tensor when a targeted
  // module's A or B is missing or of another shape than [r, in] and [out, r].
  std::optional<LoraLinear> for_linear(const std::string& module, int64_t out, int64_t in);

  // The rows that replace embedding rows trainable_token_indices ([count, hidden]), undefined
  // when there are none; FormatError when the file's tensor is missing or misshapen.
  torch::Tensor token_rows(const std::string& embedding_module, int64_t hidden);

  // The modules the file holds A and B for, and the embeddings it replaces rows of (full names,
  // PEFT's prefix removed), sorted.
  std::vector<std::string> adapted_linears() const;
  std::vector<std::string> replaced_embeddings() const;

  // A and B of a module the file holds, at their own shapes (for copying an adapter).
  LoraLinear linear(const std::string& module);

  // After every module was asked: ConfigError naming a target_modules entry that matched no
  // module, FormatError naming a tensor of the file that no module took.
  void check_complete() const;

 private:
  LoraAdapter(std::filesystem::path dir, LoraConfig config, Checkpoint weights);
  std::filesystem::path dir_;
  LoraConfig config_;
  Checkpoint weights_;
  std::set<std::string> taken_;         // tensor names handed out
  std::set<std::string> matched_;       // target_names entries that matched a module
  bool any_matched_ = false;
};

// Writes dir/adapter_config.json and dir/adapter_model.safetensors as PEFT's save_pretrained
// does: PEFT's key names ("base_model.model." + module + ".lora_A.weight" [r, in], ".lora_B.weight"
// [out, r], the embedding's ".token_adapter.trainable_tokens_delta" rows), float32, metadata
// {"format": "pt"}, and a config with PEFT's keys (all-linear written as the list of the adapted
// modules' last names, as PEFT expands it). Each file is written whole or not at all.
void save_lora_adapter(const std::filesystem::path& dir, const LoraConfig& config,
                       const std::map<std::string, LoraLinear>& linears,
                       const std::map<std::string, torch::Tensor>& token_rows);

}  // namespace guardian::models::decoders

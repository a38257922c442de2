// Qwen3: Llama's layout with an RMSNorm over head_dim on every query and key head before RoPE,
// and a head_dim of its own (not hidden_size / num_attention_heads).
#include <nlohmann/json.hpp>

#include "models/decoders/architectures.h"

namespace guardian::models::decoders {

namespace config_io {
void read_qwen_layer_types(const nlohmann::json& json, DecoderConfig& config);  // qwen2.cpp
}

DecoderConfig read_qwen3_config(const nlohmann::json& json, const std::filesystem::path& file) {
  auto config = config_io::read_common(json, file, 10000.0);
  config.qk_norm = true;
  config_io::read_qwen_layer_types(json, config);
  return config;
}

}  // namespace guardian::models::decoders

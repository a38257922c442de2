// Qwen2 (and Qwen2.5): Llama's layout with a bias on the q, k and v projections (not on o).
// Sliding-window layers only when use_sliding_window is set: layer_types says which, or else the
// layers from max_window_layers on.
#include <nlohmann/json.hpp>

#include "models/decoders/architectures.h"

namespace guardian::models::decoders {

namespace config_io {

// Qwen's rule for which layers slide, shared with Qwen3.
void read_qwen_layer_types(const nlohmann::json& json, DecoderConfig& config) {
  const bool sliding = optional_bool(json, config.file, "use_sliding_window", false);
  if (!sliding) config.sliding_window = 0;
  if (read_layer_types(json, config)) return;
  const int64_t first_sliding = optional_int(json, config.file, "max_window_layers", config.num_hidden_layers);
  config.layer_types.clear();
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    config.layer_types.push_back(sliding && i >= first_sliding ? kSlidingAttention : kFullAttention);
  }
}

}  // namespace config_io

DecoderConfig read_qwen2_config(const nlohmann::json& json, const std::filesystem::path& file) {
  auto config = config_io::read_common(json, file, 10000.0);
  config.qkv_bias = true;
  config_io::read_qwen_layer_types(json, config);
  return config;
}

}  // namespace guardian::models::decoders

// Llama 2 and Llama 3.x: the reference layout every other decoder here is a variation of. Its RoPE
// may be scaled ("linear", "dynamic", "llama3"); src/models/decoders/rope.cpp computes each.
#include <nlohmann/json.hpp>

#include "models/decoders/architectures.h"

namespace guardian::models::decoders {

DecoderConfig read_llama_config(const nlohmann::json& json, const std::filesystem::path& file) {
  auto config = config_io::read_common(json, file, 10000.0);
  config.sliding_window = 0;  // Llama attends to the whole prefix
  config_io::uniform_layer_types(config);
  return config;
}

}  // namespace guardian::models::decoders

// Mistral: Llama's layout; with sliding_window set, every layer attends to that many positions
// only (the query's own included).
#include <nlohmann/json.hpp>

#include "models/decoders/architectures.h"

namespace guardian::models::decoders {

DecoderConfig read_mistral_config(const nlohmann::json& json, const std::filesystem::path& file) {
  auto config = config_io::read_common(json, file, 10000.0);
  config_io::uniform_layer_types(config);
  return config;
}

}  // namespace guardian::models::decoders

// The registry of decoder architectures, keyed by Hugging Face model_type: each entry reads its
// config.json into a DecoderConfig (the flags say how it differs from Llama). A new architecture
// is one file with its reader and one entry here. No torch here.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "models/decoders/decoder_config.h"

namespace guardian::models::decoders {

using ConfigReader = DecoderConfig (*)(const nlohmann::json& json, const std::filesystem::path& file);

struct DecoderArchitecture {
  ConfigReader read_config;  // config.json -> DecoderConfig, flags set, not yet validated
};

const std::map<std::string, DecoderArchitecture>& decoder_architectures();

// One per file under src/models/decoders/.
DecoderConfig read_llama_config(const nlohmann::json& json, const std::filesystem::path& file);
DecoderConfig read_mistral_config(const nlohmann::json& json, const std::filesystem::path& file);
DecoderConfig read_qwen2_config(const nlohmann::json& json, const std::filesystem::path& file);
DecoderConfig read_qwen3_config(const nlohmann::json& json, const std::filesystem::path& file);
DecoderConfig read_gemma3_text_config(const nlohmann::json& json, const std::filesystem::path& file);
DecoderConfig read_gemma3_config(const nlohmann::json& json, const std::filesystem::path& file);

}  // namespace guardian::models::decoders

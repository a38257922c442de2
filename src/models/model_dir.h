// The files of a model directory and the small JSON documents in it.
//   config.json       encoder hyper-parameters (HF field names) + "guardian": {kind, pooling, ...}
//   model.safetensors the weights
//   tokenizer.model   the SentencePiece model
//   policy.toml       the policy, with calibrated thresholds and temperatures
//   training.json     what went in: data specs, card licences, the recipe, the metrics
//   checkpoint/       resume state (weights, optimiser, trainer state); removed when not needed
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace guardian::models {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kWeightsFile = "model.safetensors";
inline constexpr const char* kTokenizerFile = "tokenizer.model";
inline constexpr const char* kPolicyFile = "policy.toml";
inline constexpr const char* kTrainingFile = "training.json";
inline constexpr const char* kCheckpointDir = "checkpoint";

// Reads a JSON file; FormatError naming the file on a parse error, InputError when missing.
nlohmann::json read_json_file(const std::filesystem::path& path);
// Writes JSON atomically (temp file + rename), pretty-printed.
void write_json_file(const std::filesystem::path& path, const nlohmann::json& json);

}  // namespace guardian::models

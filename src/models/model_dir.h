// The files of a model directory (core/json_file.h reads and writes its JSON documents).
//   config.json       encoder hyper-parameters (HF field names) + "guardian": {kind, pooling, ...}
//   model.safetensors the weights
//   tokenizer.model   the SentencePiece model
//   policy.toml       the policy, with calibrated thresholds and temperatures
//   training.json     what went in: data specs, card licences, the recipe, the metrics
//   checkpoint/       resume state (weights, optimiser, trainer state); removed when not needed
#pragma once

namespace guardian::models {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kWeightsFile = "model.safetensors";
inline constexpr const char* kTokenizerFile = "tokenizer.model";
inline constexpr const char* kPolicyFile = "policy.toml";
inline constexpr const char* kTrainingFile = "training.json";
inline constexpr const char* kCheckpointDir = "checkpoint";

}  // namespace guardian::models

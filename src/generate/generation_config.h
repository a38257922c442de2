// A Hugging Face generation_config.json: the eos ids generation stops at and the sampling defaults
// the model ships with (a command-line flag overrides each). No torch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace guardian::generate {

struct GenerationConfig {
  std::vector<int64_t> eos_token_ids;       // eos_token_id: one id or a list
  std::optional<int64_t> pad_token_id;      // pad_token_id
  std::optional<int64_t> bos_token_id;      // bos_token_id
  std::optional<bool> do_sample;            // false or unset: greedy unless a sampling flag asks otherwise
  std::optional<double> temperature;        // > 0
  std::optional<int64_t> top_k;             // >= 0; 0 = off
  std::optional<double> top_p;              // (0, 1]
  std::optional<double> min_p;              // [0, 1]
  std::optional<double> repetition_penalty; // > 0; 1 = off
  std::optional<int64_t> max_new_tokens;    // >= 1
};

// ConfigError "<file>: '<key>' must be ..." for a value of the wrong type or out of range;
// FormatError when the file is not JSON, InputError when it is missing.
GenerationConfig load_generation_config(const std::filesystem::path& file);
GenerationConfig parse_generation_config(const nlohmann::json& json, const std::string& origin);

}  // namespace guardian::generate

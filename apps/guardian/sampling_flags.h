// The sampling flags `generate` and `chat` share, and the engine request they make: each flag
// overrides the model's generation_config.json, which overrides transformers' defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "generate/engine.h"
#include "generate/generation_model.h"

namespace guardian::app {

struct SamplingFlags {
  double temperature = 1.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  double min_p = 0.0;
  double repetition_penalty = 1.0;
  uint64_t seed = 0;
  int64_t max_new_tokens = 0;
  std::vector<std::string> stops;
  int64_t logprobs = -1;
  bool greedy = false;
  bool ignore_eos = false;

  void add_to(CLI::App* cmd);
  // A request for prompt_ids under these flags and the model's configs. Without --max-new-tokens
  // or a generation_config.json value: 256, or what the context has room for when less.
  generate::Request request(const generate::GenerationModel& model, std::vector<int64_t> prompt_ids) const;

 private:
  CLI::Option *temperature_ = nullptr, *top_k_ = nullptr, *top_p_ = nullptr, *min_p_ = nullptr,
              *repetition_penalty_ = nullptr, *max_new_tokens_ = nullptr;
};

// {"new_ids", "text", "finish_reason", ["stop"], ["logprobs"]} of a completion.
nlohmann::json completion_json(const generate::Completion& done, const text::Tokenizer* tokenizer);

// One JSON line; invalid UTF-8 (a model may emit a lone byte) written as U+FFFD rather than thrown.
std::string json_line(const nlohmann::json& value);

}  // namespace guardian::app

// Trains a moderation model from a recipe into a model directory: tokenizer, encoder classifier,
// early stopping on validation macro-F1 (best checkpoint kept), exact resume, stop on signal.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "train/train_config.h"

namespace guardian::train {

struct TrainOptions {
  std::filesystem::path out_dir;                     // the model directory written
  std::optional<std::chrono::milliseconds> budget;   // wall-clock for the step loop; none = epochs
  std::optional<int> seed;                           // overrides the recipe's seed
  std::optional<int64_t> stop_after_steps;           // stop (checkpoint saved) after this many steps in total
  bool quiet = false;                                // no progress bar
};

struct TrainResult {
  bool finished = false;      // the schedule ran to its end or early stopping fired
  bool interrupted = false;   // stopped by a signal (checkpoint saved)
  int64_t steps = 0;          // optimiser steps taken so far in total
  double best_valid = 0.0;    // best validation selection score (mean macro-F1)
  nlohmann::json metrics;     // {"valid": report, "eval": {spec: report}} of the best checkpoint
};

// Resumes from out_dir/checkpoint when it exists and was made from the same recipe.
TrainResult train_model(const TrainConfig& config, const TrainOptions& options);

// The model-selection score: mean macro-F1 over the categories with support.
double selection_score(const nlohmann::json& report_json);

}  // namespace guardian::train

// What every trainer shares: the options and result of a run, the selection score, and the finish
// (the saved model reported as it is served, training.json written with the fields every kind
// records). The dispatcher is train/trainer.h; one trainer per model kind beside it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "train/train_config.h"
#include "train/training_data.h"

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

// The model-selection score: mean macro-F1 over the categories with support.
double selection_score(const nlohmann::json& report_json);

// A run's start: the clock, the seed (the options' over the recipe's) and the model directory.
struct Run {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  int seed = 0;
  std::filesystem::path out;
};
Run start_run(const TrainConfig& config, const TrainOptions& options);

// How a trainer's loop ended, and the fields of training.json that are its kind's own.
struct RunEnd {
  bool finished = false;
  bool interrupted = false;
  int64_t steps = 0;
  nlohmann::json fields = nlohmann::json::object();
};

// Reports the model saved in run.out through the inference path every command uses (so
// `guardian eval` reproduces these figures): validation and the recipe's eval sets. Writes
// training.json: the kind's fields and the shared ones (name, seed, finished, best_valid, metrics,
// the data's provenance, the categories switched off, train_seconds).
TrainResult finish_run(const TrainConfig& config, const TrainingData& data, const Run& run, RunEnd end);

}  // namespace guardian::train

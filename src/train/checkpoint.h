// Resume state of a training run: weights, optimiser moments, the RNG and the data position, so
// that a resumed run takes the same steps an uninterrupted one would. Written file by file to
// temporaries and renamed, state.json last, so a kill leaves the previous checkpoint usable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "train/recipe_fingerprint.h"
#include "train/schedule.h"
#include "train/train_config.h"

namespace guardian::train {

struct TrainerState {
  std::string recipe;              // fingerprint of the recipe and seed; a mismatch means start over
  int64_t step = 0;                // optimiser steps taken
  int64_t epoch = 0;               // current epoch (0-based)
  int64_t batch_in_epoch = 0;      // next batch of the current epoch
  double best = 0.0;               // best validation selection score so far
  int evals_since_best = 0;        // for early stopping
  bool early_stopped = false;      // patience ran out
  Schedule schedule;               // learning-rate schedule (its end may be fitted to a budget)
};

void save_checkpoint(const std::filesystem::path& dir, const TrainerState& state, const torch::nn::Module& module,
                     const torch::optim::Optimizer& optimizer);

// nullopt when there is no checkpoint or it was made from another recipe (logged).
std::optional<TrainerState> load_checkpoint(const std::filesystem::path& dir, const std::string& recipe,
                                            torch::nn::Module& module, torch::optim::Optimizer& optimizer);

}  // namespace guardian::train

// Trains a moderation model from a recipe into a model directory: the recipe's [model] kind picks
// the trainer (encoder_trainer.h, ngram_trainer.h, ensemble_trainer.h); run.h holds what they share.
#pragma once

#include "train/run.h"

namespace guardian::train {

// ConfigError for a kind no trainer knows.
TrainResult train_model(const TrainConfig& config, const TrainOptions& options);

}  // namespace guardian::train

// Trains an encoder classifier from a recipe into a model directory: tokenizer, encoder
// classifier, early stopping on validation macro-F1 (best checkpoint kept), exact resume, stop on
// signal, a wall-clock budget that refits the schedule's end to the steps it allows.
#pragma once

#include "train/run.h"

namespace guardian::train {

// Resumes from out_dir/checkpoint when it exists and was made from the same recipe.
TrainResult train_encoder(const TrainConfig& config, const TrainOptions& options);

}  // namespace guardian::train

// Training the n-gram model kind: TF-IDF weighted hashed n-grams, one softmax head per category,
// linear (SGD with L2 lazily applied through a weight scale) or through an embedding bag
// (ngram.dim > 0); the L2 strength and the epoch chosen on validation macro-F1. Seconds on two
// cores; no torch.
#pragma once

#include "train/trainer.h"

namespace guardian::train {

TrainResult train_ngram(const TrainConfig& config, const TrainOptions& options);  // with config.ngram
TrainResult train_ngram(const TrainConfig& config, const NgramConfig& ngram, const TrainOptions& options);

}  // namespace guardian::train

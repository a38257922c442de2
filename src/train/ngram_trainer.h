// Training the n-gram model kind: TF-IDF weighted hashed n-grams, one softmax head per category,
// SGD with L2 (lazily applied through a weight scale), the L2 strength and the epoch chosen on
// validation macro-F1. Seconds on two cores; no torch.
#pragma once

#include "train/trainer.h"

namespace guardian::train {

TrainResult train_ngram(const TrainConfig& config, const TrainOptions& options);

}  // namespace guardian::train

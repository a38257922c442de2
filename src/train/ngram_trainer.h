// Training the n-gram model kind: TF-IDF weighted hashed n-grams, one softmax head per category,
// linear (SGD with L2 lazily applied through a weight scale) or through an embedding bag
// (ngram.dim > 0); the L2 strength and the epoch chosen on validation macro-F1. Seconds on two
// cores; no torch.
#pragma once

#include <vector>

#include "data/example.h"
#include "models/ngram_features.h"
#include "train/run.h"

namespace guardian::train {

// config.model.kind is "ngram"; the model is config.ngram's (an ensemble member's table is put
// there by the ensemble trainer).
TrainResult train_ngram(const TrainConfig& config, const TrainOptions& options);

// NB-LR's feature scales ([ngram] nb_scale), [bucket * outputs + column], a column per category
// and level: log of (the share of that level's smoothed feature presences that fall on the bucket)
// over (the same share among the category's other labelled messages); presence, not counts, each
// smoothed by alpha. raw[i]: message i's features; examples[i].labels: its levels (< 0 unknown).
std::vector<float> nb_log_ratios(const std::vector<models::Features>& raw, const std::vector<data::Example>& examples,
                                 const std::vector<int>& levels, uint32_t buckets, double alpha);

}  // namespace guardian::train

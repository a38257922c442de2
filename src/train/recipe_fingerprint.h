// What a trained model directory was made from: a fingerprint of the recipe's settings that shape
// that model, and its seed. training.json keeps it ("recipe"), so a later run into the same
// directory can tell a model of this recipe (kept, or continued) from one of another recipe
// (trained again), instead of serving an old model under a changed recipe.
#pragma once

#include <string>

#include "train/train_config.h"

namespace guardian::train {

// A stable text fingerprint of everything that changes what training computes, for the model kind
// config.model.kind says: an n-gram model's ([ngram]: features, schedule, L2 grid, NB scales), an
// encoder's otherwise (its size, tokenizer and optimiser). Both cover the policy, the training and
// validation data, and the seed.
std::string recipe_fingerprint(const TrainConfig& config, int seed);

}  // namespace guardian::train

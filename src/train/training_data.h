// What every trainer starts from: the recipe's policy and its training and validation sets
// (data/sets.h loads them), unlearnable categories switched off, and the level weights.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.h"
#include "data/sets.h"
#include "policy/policy.h"
#include "train/train_config.h"

namespace guardian::train {

// The categories disable_unlearnable_categories switched off, by name.
struct Unlearnable {
  std::vector<std::string> not_deciding;  // never labelled positive: decides = false
  std::vector<std::string> untrained;     // never labelled at all: also trained = false
};

// A category the training data never labels positive cannot be learned: it is switched to
// decides = false (reported, never flagging) so an untrained head cannot flag messages. One the
// data never label at all (not even 0) gets no training signal whatever: its score is its initial
// weights' noise, so it is also marked trained = false and answers leave it out.
Unlearnable disable_unlearnable_categories(policy::Policy& policy, const std::vector<data::Example>& train);

// What every trainer starts from: the recipe's policy (with unlearnable categories switched off),
// its training set (augmented with the recipe's train.augment games) and validation set (never
// augmented), and the data root. ConfigError when data.valid is empty,
// InputError when the training data is.
struct TrainingData {
  policy::Policy policy;
  data::LoadedSet train;
  data::LoadedSet valid;
  std::vector<std::string> not_deciding;  // categories switched off (disable_unlearnable_categories)
  std::vector<std::string> untrained;     // of those, the ones never labelled at all
  std::filesystem::path data_root;
};
TrainingData load_training_data(const TrainConfig& config);

// Per category, per level: sqrt of the inverse frequency among known labels, mean 1 ("balanced"),
// or all 1.
std::vector<std::vector<float>> level_weights(const std::vector<data::Example>& train, const policy::Policy& policy,
                                              bool balanced);

}  // namespace guardian::train

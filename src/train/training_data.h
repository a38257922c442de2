// Loading a recipe's data: card:split specs resolved to examples under a policy, with the licence
// and leakage rules enforced (no training on no-derivatives data or on a split a benchmark scores).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.h"
#include "policy/policy.h"
#include "train/train_config.h"

namespace guardian::train {

enum class Purpose { kTrain, kTrainResearch, kValid, kEval };

struct LoadedSet {
  std::vector<data::Example> examples;
  nlohmann::json provenance;  // one entry per spec: spec, card, licence, rows, skipped
};

// Throws ConfigError when a training spec names a card that is not trainable (unless
// kTrainResearch) or a split the card marks as scored; InputError when files are missing or malformed (unless skip_bad).
// unlabelled: texts only, every label unknown (a card without a mapping for the policy is fine).
LoadedSet load_sets(const std::vector<std::string>& specs, const policy::Policy& policy,
                    const std::filesystem::path& data_root, Purpose purpose, bool skip_bad, bool unlabelled = false);

// Every text of the specs (labelled or not), for tokenizer training; at most `limit`.
// With purpose kTrain or kTrainResearch the licence and scored-split rules of load_sets apply.
std::vector<std::string> load_texts(const std::vector<std::string>& specs,
                                    const std::filesystem::path& data_root, size_t limit,
                                    Purpose purpose = Purpose::kEval);

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

// Appends to set, for each game, a copy of every example the game changes (its text perturbed by
// data::perturb seeded with "augment:" + id; id + "~" + game; labels unchanged), and a provenance
// entry per game. Deterministic: the same examples give the same copies on every run.
void augment(LoadedSet& set, const std::vector<std::string>& games);

// What every trainer starts from: the recipe's policy (with unlearnable categories switched off),
// its training set (augmented with the recipe's train.augment games) and validation set (never
// augmented), and the data root. ConfigError when data.valid is empty,
// InputError when the training data is.
struct TrainingData {
  policy::Policy policy;
  LoadedSet train;
  LoadedSet valid;
  std::vector<std::string> not_deciding;  // categories switched off (disable_unlearnable_categories)
  std::vector<std::string> untrained;     // of those, the ones never labelled at all
  std::filesystem::path data_root;
};
TrainingData load_training_data(const TrainConfig& config);

// Per category, per level: sqrt of the inverse frequency among known labels, mean 1 ("balanced"),
// or all 1.
std::vector<std::vector<float>> level_weights(const std::vector<data::Example>& train, const policy::Policy& policy,
                                              bool balanced);

// A policy by built-in name ("default") or path.
policy::Policy resolve_policy(const std::string& name_or_path);

}  // namespace guardian::train

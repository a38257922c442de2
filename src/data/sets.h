// The data sets a recipe or a command names: card:split specs resolved to examples under a policy,
// with the licence and leakage rules enforced (no training on no-derivatives data or on a split a
// benchmark scores), and a recipe's [data] table.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "data/example.h"
#include "policy/policy.h"

namespace guardian::data {

// A recipe's [data] table.
struct DataConfig {
  std::vector<std::string> train;           // specs trained on
  std::vector<std::string> valid;           // specs for early stopping and checkpoint choice
  std::vector<std::string> eval;            // specs scored after training (reported, never chosen on)
  std::vector<std::string> tokenizer_text;  // unlabelled specs added to the tokenizer's text
  bool skip_bad = false;                    // skip (and count) malformed rows instead of failing
  // Allows training on cards marked not trainable (no-derivatives licences) for research and
  // benchmarks; training.json then says the model must not be shipped. Scored splits stay refused.
  bool research_only = false;
};

// The [data] table (nullptr: absent, all defaults); ConfigError naming where and the line of an
// unknown key or a value of the wrong type.
DataConfig read_data_table(const toml::table* table, const std::string& where);
// The [data] table of a recipe file, its other tables unread (calibrate --recipe needs only the
// validation specs); ConfigError as above, InputError when the file cannot be read.
DataConfig load_recipe_data(const std::filesystem::path& recipe);

enum class Purpose { kTrain, kTrainResearch, kValid, kEval };

struct LoadedSet {
  std::vector<Example> examples;
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

// Appends to set, for each game, a copy of every example the game changes (its text perturbed by
// data::perturb seeded with "augment:" + id; id + "~" + game; labels unchanged), and a provenance
// entry per game. Deterministic: the same examples give the same copies on every run.
void augment(LoadedSet& set, const std::vector<std::string>& games);

}  // namespace guardian::data

// Training the "ensemble" model kind: each member of [ensemble] members (and each of its
// `replicas`, seeded copies in members/<name>.2, ...) is trained into members/<name> (an n-gram
// member already there is kept, even one its budget cut short: delete its folder to retrain it;
// an unfinished encoder resumes from its checkpoint), the n-gram members first: side by side, one
// per core, or with a --budget one after the other, the budget covering the whole ensemble (each
// n-gram member takes a quarter of what is left when an encoder follows).
// Then the combination (a weight per member and a bias per level, for each category) is fitted
// on the validation data by minimising the class-balanced negative log-likelihood; a member's
// replicas share one weight; [ensemble] f1_offsets may then move the bias (train/decision_bias.h).
#pragma once

#include <vector>

#include "data/example.h"
#include "models/ensemble_model.h"
#include "train/decision_bias.h"
#include "train/train_config.h"
#include "train/run.h"

namespace guardian::train {

TrainResult train_ensemble(const TrainConfig& config, const TrainOptions& options);

// Fits one category's weights [member] and bias [level] to log-probabilities [example][member][level]
// of `members` members with labels [example] (all known) and per-level weights; returns {weights,
// bias}. With no examples the weights are equal and the bias is zero.
std::pair<std::vector<float>, std::vector<float>> fit_combination(
    const std::vector<std::vector<std::vector<float>>>& log_probs, const std::vector<int>& labels, size_t members,
    const std::vector<float>& level_weight);

// One category's stack: the combination fitted as [ensemble] fit says, then its bias moved by the
// F1 offsets as [ensemble] f1_offsets says (seeded for "checked"). bias includes decision.offsets.
// With no examples (a category the validation data does not label) the weights are equal over
// `members` and the bias is zero.
struct FittedStack {
  std::vector<float> weights;   // [member]
  std::vector<float> bias;      // [level]
  DecisionOffsets decision;
};
FittedStack fit_stack(const std::vector<std::vector<std::vector<float>>>& log_probs, const std::vector<int>& labels,
                      size_t members, const std::vector<float>& level_weight, const EnsembleConfig& ensemble, int seed);

// The stack's served logits [example][level]: bias + sum of weight * log-probability.
std::vector<std::vector<float>> stack_logits(const FittedStack& stack, const std::vector<std::vector<std::vector<float>>>& log_probs);

// serve = "best"'s evidence, each candidate's macro-F1 (0..1) over all the validation examples:
// [0] the stack, out of fold: the examples are cut in kServeFolds seeded folds, and each fold is
// scored by the stack fitted (fit_stack) on the others; [1 + m] member m alone (its
// log-probabilities' argmax; the members never saw the validation data). Scoring the stack on the
// data it was fitted on would favour it; scoring every candidate on the same examples keeps the
// comparison paired, and fitting on 4/5 of the data keeps the stack close to the one served.
constexpr size_t kServeFolds = 5;
std::vector<double> held_out_serve_scores(const std::vector<std::vector<std::vector<float>>>& log_probs,
                                          const std::vector<int>& labels, const std::vector<float>& level_weight,
                                          const EnsembleConfig& ensemble, int seed);

// The cascade's gate (member 0) threshold: the full ensemble's flagged validation messages
// [member][example] keep going on to the full ensemble with the given recall. Sets spec.gate and
// spec.gate_threshold; returns {gate, threshold, recall, skipped_fraction}.
// Only categories with counted[c] (those that decide) make a message flagged or gate it.
nlohmann::json fit_cascade(models::EnsembleSpec& spec, const std::vector<std::vector<models::CategoryLogits>>& member_lp,
                           double recall, const std::vector<bool>& counted);

}  // namespace guardian::train

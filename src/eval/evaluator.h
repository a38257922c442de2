// Scores a model's per-category level probabilities against labelled examples under a policy:
// per-category metrics, the flag/allow decision, the aggregate, overall and per language.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/example.h"
#include "eval/metrics.h"
#include "eval/report.h"
#include "policy/policy.h"

namespace guardian::eval {

// Streams examples one at a time; holds counts plus one score per (example, category) for AUC.
//
// Per category, the predicted level is the argmax of the probabilities (the lowest level on a
// tie) and the ranking score is P(level >= 1) = sum of levels 1.. ; rows whose label is
// kUnknownLabel are left out of that category. The probabilities are used as given (apply
// temperatures before calling).
//
// The decision follows policy::decide: a row is flagged iff some deciding category's
// P(level >= 1) reaches its threshold and, for a gated policy, the gate's P(level >= 1) reaches
// the gate's threshold too. Its ranking score (for the decision ROC-AUC) is the margin
//   max over deciding c of (P_c - threshold_c), then min(that, P_gate - threshold_gate) if gated,
// which is >= 0 exactly when the row is flagged.
//
// Each category's flagged share (P(level >= 1) at its threshold, every row of the slice) is set
// beside the policy's reference share when it records one (the drift check, eval/drift.h).
class Evaluator {
 public:
  // Throws ConfigError when the policy has no categories, a category has fewer than 2 levels, or
  // the gate names no category.
  explicit Evaluator(const policy::Policy& policy);

  // probs[c][l]: probability of level l for category c. Throws InputError (naming the example's
  // id) when the labels or probs do not match the policy's shape, a label is out of range, or a
  // probability is not finite.
  void add(const data::Example& example, const std::vector<std::vector<double>>& probs);

  // Rows added so far.
  size_t size() const { return all_.examples; }

  Report report() const;

 private:
  struct CategoryState {
    ClassMeter meter;               // levels, known labels only
    std::vector<double> scores;     // P(level >= 1), one per known label
    std::vector<int> truth;         // true level >= 1, aligned with scores
    double log_loss_sum = 0.0;      // -log P(true level), summed over known labels
  };
  struct Slice {
    size_t examples = 0;                   // rows in the slice
    std::vector<CategoryState> categories; // in policy order
    std::vector<int64_t> crossed;          // per category: rows whose P(level >= 1) reached its threshold
    std::vector<double> decision_margins;  // one per row with a known deciding label
    std::vector<int> decision_truth;       // toxic, aligned with decision_margins
    int64_t flagged_toxic = 0;             // decision confusion counts
    int64_t flagged_clean = 0;
    int64_t allowed_toxic = 0;
    int64_t allowed_clean = 0;
  };

  Slice make_slice() const;
  // messages_by_language: the slice's message counts per language, for the drift check's reference.
  Scores summarise(const Slice& slice, const std::map<std::string, int64_t>& messages_by_language) const;

  std::optional<int> gate_;                  // index of the gate category
  policy::Policy policy_;                    // categories, thresholds, gate and the drift check's reference
  Slice all_;                                // every row
  std::map<std::string, Slice> languages_;   // per language code
};

// Evaluates a whole set at once: probs[example][category][level]. Throws InputError when probs
// and examples differ in length, plus Evaluator's errors.
Report evaluate(const policy::Policy& policy, const std::vector<data::Example>& examples,
                const std::vector<std::vector<std::vector<double>>>& probs);

}  // namespace guardian::eval

// Decision offsets for a fitted ensemble: the NLL fit makes calibrated probabilities, but the
// served decision is the argmax, and on skewed multi-level tasks the NLL optimum is not the
// macro-F1 one. These offsets (added to a category's fitted per-level bias) maximise the
// validation macro-F1 of that argmax. Because they are fitted on the same small validation split
// they are scored on, "checked" keeps them only when cross-fitting says they carry over: fitted
// on one half of the validation examples and scored on the other, both ways, the mean macro-F1
// gain over no offsets must be positive. seeded_halves, seeded_folds and pick are such splits,
// shared with the ensemble's serve = "best" (which scores the stack out of fold).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace guardian::train {

// Macro-F1 (eval::ClassMeter's definition) of argmax(logits[i] + offsets) against labels[i].
double macro_f1_with_offsets(const std::vector<std::vector<float>>& logits, const std::vector<int>& labels,
                             const std::vector<float>& offsets);

// Offsets [level] (level 0 stays 0) that maximise macro_f1_with_offsets: coordinate ascent over
// a grid of [-3, 3] in steps of 0.05; ties go to the smaller offset, so no gain means no offset.
std::vector<float> fit_f1_offsets(const std::vector<std::vector<float>>& logits, const std::vector<int>& labels);

struct DecisionOffsets {
  std::vector<float> offsets;   // to add to the category's bias (all 0 when not applied)
  bool applied = false;
  double checked_gain = 0.0;    // "checked": mean held-out macro-F1 gain of the two halves, in points
};

// mode: "off" (no offsets), "on" (fitted on all of it), "checked" (as "on" when the cross-fitted
// gain on two seeded halves is positive, else none). The offsets have `levels` entries even when
// there are no examples (a category the validation data does not label gets zeros).
DecisionOffsets choose_decision_offsets(const std::vector<std::vector<float>>& logits, const std::vector<int>& labels,
                                        size_t levels, const std::string& mode, int seed);

// 0..n-1 shuffled with the seed, cut in two: the first n/2 and the rest.
std::pair<std::vector<size_t>, std::vector<size_t>> seeded_halves(size_t n, int seed);
// 0..n-1 shuffled with the seed, dealt into k folds (sizes differ by at most one).
std::vector<std::vector<size_t>> seeded_folds(size_t n, size_t k, int seed);

// rows[at[0]], rows[at[1]], ...
template <class T>
std::vector<T> pick(const std::vector<T>& rows, const std::vector<size_t>& at) {
  std::vector<T> out;
  out.reserve(at.size());
  for (size_t i : at) out.push_back(rows[i]);
  return out;
}

}  // namespace guardian::train

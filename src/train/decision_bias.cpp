#include "train/decision_bias.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "eval/metrics.h"

namespace guardian::train {

namespace {

constexpr float kStep = 0.05f;
constexpr int kSteps = 60;   // the grid is kStep * [-kSteps, kSteps]
constexpr int kRounds = 3;   // coordinate-ascent sweeps over the levels

// 0..n-1 shuffled with the seed: the one order both splits below cut.
std::vector<size_t> seeded_order(size_t n, int seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

}  // namespace

double macro_f1_with_offsets(const std::vector<std::vector<float>>& logits, const std::vector<int>& labels,
                             const std::vector<float>& offsets) {
  eval::ClassMeter meter(static_cast<int>(offsets.size()));
  for (size_t i = 0; i < logits.size(); ++i) {
    int best = 0;
    for (size_t l = 1; l < offsets.size(); ++l)
      if (logits[i][l] + offsets[l] > logits[i][best] + offsets[best]) best = static_cast<int>(l);
    meter.add(labels[i], best);
  }
  return meter.macro_f1();
}

std::vector<float> fit_f1_offsets(const std::vector<std::vector<float>>& logits, const std::vector<int>& labels) {
  const size_t levels = logits.empty() ? 0 : logits[0].size();
  std::vector<float> offsets(levels, 0.0f);
  if (logits.empty() || levels < 2) return offsets;
  double best = macro_f1_with_offsets(logits, labels, offsets);
  for (int round = 0; round < kRounds; ++round) {
    bool moved = false;
    for (size_t l = 1; l < levels; ++l) {
      const float start = offsets[l];
      float chosen = start;
      // Grid points nearest zero first: a later point must be strictly better to win a tie.
      for (int k = 0; k <= kSteps; ++k) {
        for (int sign : {1, -1}) {
          if (k == 0 && sign < 0) continue;
          offsets[l] = sign * k * kStep;
          const double f1 = macro_f1_with_offsets(logits, labels, offsets);
          if (f1 > best + 1e-12) best = f1, chosen = offsets[l];
        }
      }
      offsets[l] = chosen;
      moved = moved || chosen != start;
    }
    if (!moved) break;
  }
  return offsets;
}

DecisionOffsets choose_decision_offsets(const std::vector<std::vector<float>>& logits, const std::vector<int>& labels,
                                        size_t levels, const std::string& mode, int seed) {
  DecisionOffsets choice;
  choice.offsets.assign(levels, 0.0f);
  if (mode == "off" || logits.size() < 2) return choice;
  if (mode == "checked") {
    const auto [half_a, half_b] = seeded_halves(logits.size(), seed);
    double gain = 0.0;
    for (const auto& [fit_on, score_on] : {std::pair{&half_a, &half_b}, std::pair{&half_b, &half_a}}) {
      const auto offsets = fit_f1_offsets(pick(logits, *fit_on), pick(labels, *fit_on));
      const auto held_logits = pick(logits, *score_on);
      const auto held_labels = pick(labels, *score_on);
      gain += macro_f1_with_offsets(held_logits, held_labels, offsets) -
              macro_f1_with_offsets(held_logits, held_labels, std::vector<float>(levels, 0.0f));
    }
    choice.checked_gain = 100.0 * gain / 2.0;
    if (!(choice.checked_gain > 0.0)) return choice;
  }
  choice.offsets = fit_f1_offsets(logits, labels);
  choice.applied = std::any_of(choice.offsets.begin(), choice.offsets.end(), [](float o) { return o != 0.0f; });
  return choice;
}

std::pair<std::vector<size_t>, std::vector<size_t>> seeded_halves(size_t n, int seed) {
  const auto order = seeded_order(n, seed);
  return {std::vector<size_t>(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n / 2)),
          std::vector<size_t>(order.begin() + static_cast<std::ptrdiff_t>(n / 2), order.end())};
}

std::vector<std::vector<size_t>> seeded_folds(size_t n, size_t k, int seed) {
  const auto order = seeded_order(n, seed);
  std::vector<std::vector<size_t>> folds(std::max<size_t>(1, k));
  for (size_t i = 0; i < n; ++i) folds[i % folds.size()].push_back(order[i]);
  return folds;
}

}  // namespace guardian::train

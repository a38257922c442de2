#include "eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "eval/drift.h"

namespace guardian::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The log loss of a probability of 0 would be infinite; scikit-learn clips at about this too.
constexpr double kMinProbability = 1e-15;

int argmax(const std::vector<double>& level_probs) {
  return static_cast<int>(std::max_element(level_probs.begin(), level_probs.end()) -
                          level_probs.begin());
}

double ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

Evaluator::Evaluator(const policy::Policy& policy) : policy_(policy) {
  if (policy.categories.empty()) {
    throw ConfigError("evaluator: policy '" + policy.name + "' has no categories");
  }
  for (const auto& category : policy.categories) {
    if (category.levels.size() < 2) {
      throw ConfigError("evaluator: policy '" + policy.name + "' category '" + category.name +
                        "' has " + std::to_string(category.levels.size()) +
                        " levels, needs at least 2");
    }
  }
  if (policy.gate) {
    for (size_t c = 0; c < policy_.categories.size(); ++c) {
      if (policy_.categories[c].name == *policy.gate) gate_ = static_cast<int>(c);
    }
    if (!gate_) {
      throw ConfigError("evaluator: policy '" + policy.name + "' gate '" + *policy.gate +
                        "' names no category");
    }
  }
  all_ = make_slice();
}

Evaluator::Slice Evaluator::make_slice() const {
  Slice slice;
  for (const auto& category : policy_.categories) {
    slice.categories.push_back({ClassMeter(static_cast<int>(category.levels.size())), {}, {}});
  }
  slice.crossed.assign(policy_.categories.size(), 0);
  return slice;
}

void Evaluator::add(const data::Example& example,
                    const std::vector<std::vector<double>>& probs) {
  const std::string where = "evaluator: example '" + example.id + "'";
  const size_t n = policy_.categories.size();
  if (example.labels.size() != n) {
    throw InputError(where + " has " + std::to_string(example.labels.size()) +
                     " labels, the policy has " + std::to_string(n) + " categories");
  }
  if (probs.size() != n) {
    throw InputError(where + ": probabilities for " + std::to_string(probs.size()) +
                     " categories, the policy has " + std::to_string(n));
  }
  for (size_t c = 0; c < n; ++c) {
    const auto& info = policy_.categories[c];
    const int levels = static_cast<int>(info.levels.size());
    if (probs[c].size() != info.levels.size()) {
      throw InputError(where + " category '" + info.name + "': " +
                       std::to_string(probs[c].size()) + " probabilities, expected " +
                       std::to_string(levels) + " levels");
    }
    for (double p : probs[c]) {
      if (!std::isfinite(p)) {
        throw InputError(where + " category '" + info.name + "': a probability is not finite");
      }
    }
    const int label = example.labels[c];
    if (label != data::kUnknownLabel && (label < 0 || label >= levels)) {
      throw InputError(where + " category '" + info.name + "': label " + std::to_string(label) +
                       " is outside [0, " + std::to_string(levels) + ")");
    }
  }

  std::vector<double> severities(n);  // P(level >= 1) per category, read by the decision and the shares
  for (size_t c = 0; c < n; ++c) severities[c] = policy::severity_probability(probs[c]);

  // The decision, as policy::decide makes it.
  bool any_deciding = false;
  bool crossed = false;
  double margin = -std::numeric_limits<double>::infinity();
  bool known = false;
  bool toxic = false;
  for (size_t c = 0; c < n; ++c) {
    const auto& info = policy_.categories[c];
    if (!info.decides) continue;
    any_deciding = true;
    const double p = severities[c];
    crossed = crossed || p >= info.threshold;
    margin = std::max(margin, policy::threshold_margin(p, info.threshold));
    if (example.labels[c] != data::kUnknownLabel) {
      known = true;
      toxic = toxic || example.labels[c] >= 1;
    }
  }
  if (gate_) {
    const double p = severities[*gate_];
    const double threshold = policy_.categories[*gate_].threshold;
    crossed = crossed && p >= threshold;
    margin = std::min(margin, policy::threshold_margin(p, threshold));
  }
  const bool flagged = any_deciding && crossed;

  auto record = [&](Slice& slice) {
    ++slice.examples;
    for (size_t c = 0; c < n; ++c) {
      if (severities[c] >= policy_.categories[c].threshold) ++slice.crossed[c];
      const int label = example.labels[c];
      if (label == data::kUnknownLabel) continue;
      auto& state = slice.categories[c];
      state.meter.add(label, argmax(probs[c]));
      state.scores.push_back(severities[c]);
      state.truth.push_back(label >= 1 ? 1 : 0);
      state.log_loss_sum -= std::log(std::max(probs[c][static_cast<size_t>(label)], kMinProbability));
    }
    if (!known) return;
    slice.decision_margins.push_back(margin);
    slice.decision_truth.push_back(toxic ? 1 : 0);
    if (flagged) {
      ++(toxic ? slice.flagged_toxic : slice.flagged_clean);
    } else {
      ++(toxic ? slice.allowed_toxic : slice.allowed_clean);
    }
  };
  record(all_);
  const std::string key = data::language_code(example.language);
  auto it = languages_.find(key);
  if (it == languages_.end()) it = languages_.emplace(key, make_slice()).first;
  record(it->second);
}

Scores Evaluator::summarise(const Slice& slice, const std::map<std::string, int64_t>& messages_by_language) const {
  Scores scores;
  scores.examples = slice.examples;
  double accuracy_sum = 0.0;
  int accuracy_count = 0;
  for (size_t c = 0; c < policy_.categories.size(); ++c) {
    const auto& state = slice.categories[c];
    const auto& meter = state.meter;
    CategoryReport report;
    report.name = policy_.categories[c].name;
    report.support = static_cast<size_t>(meter.count());
    report.confusion = meter.confusion();
    if (meter.count() == 0) {
      report.accuracy = report.precision = report.recall = report.macro_f1 = kNaN;
      report.roc_auc = report.ece = report.brier = report.log_loss = kNaN;
    } else {
      // Binary collapse of the confusion matrix: level 0 vs levels >= 1.
      int64_t tp = 0, fp = 0, fn = 0;
      for (int t = 0; t < meter.num_classes(); ++t) {
        for (int p = 0; p < meter.num_classes(); ++p) {
          const int64_t k = meter.confusion()[t][p];
          if (t >= 1 && p >= 1) tp += k;
          if (t == 0 && p >= 1) fp += k;
          if (t >= 1 && p == 0) fn += k;
        }
      }
      report.accuracy = meter.accuracy();
      report.precision = ratio(tp, tp + fp);
      report.recall = ratio(tp, tp + fn);
      report.macro_f1 = meter.macro_f1();
      report.roc_auc = roc_auc(state.scores, state.truth);
      const auto calibrated = calibration(state.scores, state.truth);
      report.ece = calibrated.ece;
      report.brier = calibrated.brier;
      report.reliability = calibrated.bins;
      report.log_loss = state.log_loss_sum / static_cast<double>(meter.count());
      accuracy_sum += report.accuracy;
      ++accuracy_count;
    }
    report.trained = policy_.categories[c].trained;
    // An untrained category's flags are its initial weights' noise: no share to report or watch.
    report.flagged_share = slice.examples == 0 || !report.trained
                               ? kNaN
                               : ratio(slice.crossed[c], static_cast<int64_t>(slice.examples));
    report.reference_share = report.drift_z = kNaN;
    report.reference_stale = policy_.categories[c].stale_reference();
    // Against the reference of the slice's own language mix: a bilingual model flags its languages
    // at different rates, and a set in another mix than the reference is not drift for that.
    if (const auto reference = policy_.expected_reference(c, messages_by_language)) {
      report.reference_share = reference->share;
      if (slice.examples > 0) {
        const auto drift = compare_shares(reference->share, reference->rows, slice.crossed[c],
                                          static_cast<int64_t>(slice.examples));
        report.drift_z = drift.z;
        report.drifted = drift.drifted;
      }
    }
    scores.categories.push_back(std::move(report));
  }
  scores.aggregate = accuracy_count == 0 ? kNaN : accuracy_sum / accuracy_count;

  auto& d = scores.decision;
  d.support = slice.decision_margins.size();
  if (d.support == 0) {
    d.accuracy = d.precision = d.recall = d.f1 = d.roc_auc = d.flagged_share = d.toxic_share = kNaN;
  } else {
    const int64_t tp = slice.flagged_toxic, fp = slice.flagged_clean, fn = slice.allowed_toxic;
    d.accuracy = ratio(tp + slice.allowed_clean, static_cast<int64_t>(d.support));
    d.precision = ratio(tp, tp + fp);
    d.recall = ratio(tp, tp + fn);
    d.f1 = ratio(2 * tp, 2 * tp + fp + fn);
    d.roc_auc = roc_auc(slice.decision_margins, slice.decision_truth);
    d.flagged_share = ratio(tp + fp, static_cast<int64_t>(d.support));
    d.toxic_share = ratio(tp + fn, static_cast<int64_t>(d.support));
  }
  return scores;
}

Report Evaluator::report() const {
  Report report;
  report.policy = policy_.name;
  std::map<std::string, int64_t> mix;
  for (const auto& [key, slice] : languages_) mix[key] = static_cast<int64_t>(slice.examples);
  report.all = summarise(all_, mix);
  for (const auto& [key, slice] : languages_) {
    report.by_language.emplace(key, summarise(slice, {{key, static_cast<int64_t>(slice.examples)}}));
  }
  return report;
}

Report evaluate(const policy::Policy& policy, const std::vector<data::Example>& examples,
                const std::vector<std::vector<std::vector<double>>>& probs) {
  if (examples.size() != probs.size()) {
    throw InputError("evaluate: " + std::to_string(examples.size()) + " examples but " +
                     std::to_string(probs.size()) + " rows of probabilities");
  }
  Evaluator evaluator(policy);
  for (size_t i = 0; i < examples.size(); ++i) evaluator.add(examples[i], probs[i]);
  return evaluator.report();
}

}  // namespace guardian::eval

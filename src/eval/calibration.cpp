#include "eval/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>

#include "core/error.h"
#include "eval/metrics.h"
#include "policy/policy.h"

namespace guardian::eval {

namespace {

// Slack for "metric >= target" so that 4/5 meets 0.8 whatever the rounding.
constexpr double kSlack = 1e-12;

// Checks the logits and labels; returns the indices of labelled rows.
std::vector<size_t> labelled_rows(const std::vector<std::vector<double>>& logits,
                                  const std::vector<int>& labels) {
  if (logits.size() != labels.size()) {
    throw InputError("fit_temperature: " + std::to_string(logits.size()) + " rows of logits but " +
                     std::to_string(labels.size()) + " labels");
  }
  std::vector<size_t> rows;
  const size_t levels = logits.empty() ? 0 : logits[0].size();
  for (size_t i = 0; i < logits.size(); ++i) {
    const std::string where = "fit_temperature: row " + std::to_string(i);
    if (logits[i].size() != levels || levels < 2) {
      throw InputError(where + " has " + std::to_string(logits[i].size()) +
                       " logits, expected " + std::to_string(levels) + " (at least 2)");
    }
    for (double z : logits[i]) {
      if (!std::isfinite(z)) throw InputError(where + ": a logit is not finite");
    }
    if (labels[i] == -1) continue;
    if (labels[i] < 0 || labels[i] >= static_cast<int>(levels)) {
      throw InputError(where + ": label " + std::to_string(labels[i]) + " is outside [0, " +
                       std::to_string(levels) + ")");
    }
    rows.push_back(i);
  }
  if (rows.empty()) throw InputError("fit_temperature: no labelled row");
  return rows;
}

// Mean NLL of softmax(z / T - offset at level 0) at the labels of `rows`.
double mean_nll(const std::vector<std::vector<double>>& logits, const std::vector<int>& labels,
                const std::vector<size_t>& rows, double temperature, double offset = 0.0) {
  double total = 0.0;
  std::vector<double> scaled;
  for (size_t i : rows) {
    scaled.assign(logits[i].begin(), logits[i].end());
    for (double& v : scaled) v /= temperature;
    scaled[0] -= offset;
    const double top = *std::max_element(scaled.begin(), scaled.end());
    double sum = 0.0;
    for (double v : scaled) sum += std::exp(v - top);
    total += std::log(sum) - (scaled[static_cast<size_t>(labels[i])] - top);
  }
  return total / static_cast<double>(rows.size());
}

// The x in [low, high] minimising a unimodal f, to within tolerance (golden-section search).
template <typename F>
double golden_minimum(F&& f, double low, double high, double tolerance) {
  const double inv_phi = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = low, b = high;
  double c = b - inv_phi * (b - a), d = a + inv_phi * (b - a);
  double fc = f(c), fd = f(d);
  while (b - a > tolerance) {
    if (fc <= fd) {
      b = d, d = c, fd = fc;
      c = b - inv_phi * (b - a), fc = f(c);
    } else {
      a = c, c = d, fc = fd;
      d = a + inv_phi * (b - a), fd = f(d);
    }
  }
  return (a + b) / 2;
}

double f1_at(const PrCurve& curve, size_t i) { return curve.f1(i); }
double macro_f1_at(const PrCurve& curve, size_t i) { return curve.macro_f1(i); }

ThresholdChoice choice_at(const PrCurve& curve, size_t i, bool met) {
  const auto& point = curve.points[i];
  return {point.threshold, curve.precision(i), curve.recall(i), curve.f1(i), curve.macro_f1(i), met,
          point.true_positives + point.false_positives, point.true_positives, curve.positives};
}

// The point with the highest metric(curve, i); the first (highest threshold) on a tie.
template <typename Metric>
size_t best_point(const PrCurve& curve, Metric metric) {
  size_t best = 0;
  for (size_t i = 1; i < curve.points.size(); ++i) {
    if (metric(curve, i) > metric(curve, best)) best = i;
  }
  return best;
}

PrCurve curve_with_positives(const std::vector<double>& scores, const std::vector<int>& truth,
                             const char* where) {
  PrCurve curve = precision_recall_curve(scores, truth);
  if (curve.positives == 0) {
    throw InputError(std::string(where) + ": the truth has no positive, so recall is undefined");
  }
  return curve;
}

}  // namespace

double temperature_nll(const std::vector<std::vector<double>>& logits,
                       const std::vector<int>& labels, double temperature) {
  if (!(temperature > 0.0) || !std::isfinite(temperature)) {
    throw InputError("temperature_nll: temperature " + std::to_string(temperature) +
                     " is not > 0");
  }
  return mean_nll(logits, labels, labelled_rows(logits, labels), temperature);
}

double fit_temperature(const std::vector<std::vector<double>>& logits,
                       const std::vector<int>& labels) {
  const auto rows = labelled_rows(logits, labels);
  // On log T: the NLL is convex in 1/T, hence unimodal in log T.
  const double log_t = golden_minimum([&](double x) { return mean_nll(logits, labels, rows, std::exp(x)); },
                                      std::log(kMinTemperature), std::log(kMaxTemperature), 1e-7);
  return std::exp(log_t);
}

Scaling fit_scaling(const std::vector<std::vector<double>>& logits, const std::vector<int>& labels) {
  const auto rows = labelled_rows(logits, labels);
  auto best_offset = [&](double temperature) {
    return golden_minimum([&](double b) { return mean_nll(logits, labels, rows, temperature, b); }, -policy::kMaxOffset,
                          policy::kMaxOffset, 1e-6);
  };
  const double log_t = golden_minimum(
      [&](double x) {
        const double t = std::exp(x);
        return mean_nll(logits, labels, rows, t, best_offset(t));
      },
      std::log(kMinTemperature), std::log(kMaxTemperature), 1e-5);
  const double temperature = std::exp(log_t);
  return {temperature, best_offset(temperature)};
}

Target Target::parse(const std::string& text) {
  auto fail = [&](const std::string& why) -> Target {
    throw ConfigError("target '" + text + "': " + why +
                      " (expected \"precision=V\" or \"recall=V\" with V in (0, 1], \"f1\", \"macro_f1\", "
                      "\"share\" or \"share=V\" with V in [0, 1])");
  };
  auto trim = [](std::string s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return std::string();
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
  };
  const auto eq = text.find('=');
  const std::string metric = trim(text.substr(0, eq));
  Target target;
  if (metric == "f1" || metric == "macro_f1") {
    if (eq != std::string::npos) return fail(metric + " is maximised and takes no value");
    target.metric = metric == "f1" ? kF1 : kMacroF1;
    return target;
  }
  if (metric == "share" && eq == std::string::npos) {
    target.metric = kShare;
    target.from_reference = true;
    return target;
  }
  if (eq == std::string::npos) return fail("no '='");
  const std::string value = trim(text.substr(eq + 1));
  if (metric == "share") {
    target.metric = kShare;
  } else if (metric == "precision") {
    target.metric = kPrecision;
  } else if (metric == "recall") {
    target.metric = kRecall;
  } else {
    return fail("unknown metric '" + metric + "'");
  }
  size_t used = 0;
  try {
    target.value = std::stod(value, &used);
  } catch (const std::exception&) {
    return fail("'" + value + "' is not a number");
  }
  if (used != value.size()) return fail("'" + value + "' is not a number");
  if (target.metric == kShare) {
    if (!(target.value >= 0.0 && target.value <= 1.0)) return fail("share outside [0, 1]");
  } else if (!(target.value > 0.0 && target.value <= 1.0)) {
    return fail("value outside (0, 1]");
  }
  return target;
}

std::string Target::to_string() const {
  if (metric == kF1) return "f1";
  if (metric == kMacroF1) return "macro_f1";
  if (metric == kShare && from_reference) return "share";
  char buffer[64];
  if (metric == kShare) {
    std::snprintf(buffer, sizeof buffer, "share=%g", value);
    return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%s=%g", metric == kPrecision ? "precision" : "recall",
                value);
  return buffer;
}

ThresholdChoice pick_threshold(const std::vector<double>& scores, const std::vector<int>& truth,
                               const Target& target) {
  const PrCurve curve = curve_with_positives(scores, truth, "pick_threshold");
  const size_t n = curve.points.size();
  if (target.metric == Target::kF1) {
    return choice_at(curve, best_point(curve, f1_at), true);
  }
  if (target.metric == Target::kMacroF1) return choice_at(curve, best_point(curve, macro_f1_at), true);
  // Points run from the highest threshold to the lowest: recall grows along them.
  if (target.metric == Target::kPrecision) {
    for (size_t i = n; i-- > 0;) {
      if (curve.precision(i) >= target.value - kSlack) return choice_at(curve, i, true);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (curve.recall(i) >= target.value - kSlack) return choice_at(curve, i, true);
    }
  }
  return choice_at(curve, best_point(curve, f1_at), false);
}

ThresholdChoice measure_threshold(const std::vector<double>& scores, const std::vector<int>& truth, double threshold) {
  const PrCurve curve = curve_with_positives(scores, truth, "measure_threshold");
  // Points run from the highest threshold down: the last one at or above `threshold` flags
  // exactly the rows this threshold flags.
  size_t i = curve.points.size();
  while (i > 0 && curve.points[i - 1].threshold < threshold) --i;
  if (i == 0) {  // nothing flagged: the allowed class's F1 alone counts in the mean
    const double allowed_f1 = curve.negatives > 0
                                  ? 2.0 * curve.negatives / (2.0 * curve.negatives + curve.positives)
                                  : 0.0;
    return {threshold, 0.0, 0.0, 0.0, allowed_f1 / 2.0, true, 0, 0, curve.positives};
  }
  auto choice = choice_at(curve, i - 1, true);
  choice.threshold = threshold;
  return choice;
}

ShareChoice threshold_for_share(std::vector<double> scores, double share) {
  if (scores.empty()) throw InputError("threshold_for_share: no scores");
  if (!(share >= 0.0 && share <= 1.0)) {
    throw InputError("threshold_for_share: share " + std::to_string(share) + " is outside [0, 1]");
  }
  for (double s : scores) {
    if (!(s >= 0.0 && s <= 1.0)) throw InputError("threshold_for_share: score " + std::to_string(s) + " is outside [0, 1]");
  }
  std::sort(scores.begin(), scores.end(), std::greater<>());
  const double n = static_cast<double>(scores.size());
  // Flag none: just above the highest score (scores of 1 are flagged by every threshold in (0, 1]).
  const auto ones = std::upper_bound(scores.begin(), scores.end(), 1.0, std::greater<>()) - scores.begin();
  ShareChoice best{std::min(1.0, std::nextafter(scores[0], 2.0)), static_cast<double>(ones) / n};
  // Walk the distinct scores from the highest: the flagged share only grows, so stop once it is
  // past the target.
  for (size_t i = 0; i < scores.size();) {
    size_t end = i;
    while (end < scores.size() && scores[end] == scores[i]) ++end;
    const double flagged = static_cast<double>(end) / n;
    if (std::abs(flagged - share) < std::abs(best.share - share) - kSlack && scores[i] > 0.0) {
      best = {scores[i], flagged};
    }
    if (flagged >= share) break;
    i = end;
  }
  return best;
}

std::vector<PrecisionRecallPoint> precision_at_recall_table(const std::vector<double>& scores,
                                                            const std::vector<int>& truth,
                                                            const std::vector<double>& recalls) {
  for (double r : recalls) {
    if (!(r > 0.0 && r <= 1.0)) {
      throw InputError("precision_at_recall_table: recall " + std::to_string(r) +
                       " is outside (0, 1]");
    }
  }
  const PrCurve curve = curve_with_positives(scores, truth, "precision_at_recall_table");
  std::vector<PrecisionRecallPoint> table;
  for (double r : recalls) {
    size_t best = curve.points.size();
    for (size_t i = 0; i < curve.points.size(); ++i) {
      if (curve.recall(i) < r - kSlack) continue;
      if (best == curve.points.size() || curve.precision(i) > curve.precision(best)) best = i;
    }
    // The lowest threshold has recall 1, so some point always qualifies.
    table.push_back({r, curve.points[best].threshold, curve.precision(best), curve.recall(best)});
  }
  return table;
}

}  // namespace guardian::eval

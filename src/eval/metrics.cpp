#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.h"

namespace guardian::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

void check_binary_input(const std::vector<double>& scores, const std::vector<int>& truth,
                        const char* where) {
  if (scores.size() != truth.size()) {
    throw InputError(std::string(where) + ": " + std::to_string(scores.size()) + " scores but " +
                     std::to_string(truth.size()) + " truth values");
  }
  if (scores.empty()) throw InputError(std::string(where) + ": no scores");
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores[i])) {
      throw InputError(std::string(where) + ": score " + std::to_string(i) + " is not finite");
    }
    if (truth[i] != 0 && truth[i] != 1) {
      throw InputError(std::string(where) + ": truth " + std::to_string(i) + " is " +
                       std::to_string(truth[i]) + ", expected 0 or 1");
    }
  }
}

// Indices of `scores` sorted by score, descending (stable, so the order is deterministic).
std::vector<size_t> order_descending(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

ClassMeter::ClassMeter(int num_classes) : num_classes_(num_classes) {
  if (num_classes < 1) {
    throw InputError("ClassMeter: num_classes is " + std::to_string(num_classes) +
                     ", needs at least 1");
  }
  confusion_.assign(num_classes, std::vector<int64_t>(num_classes, 0));
}

void ClassMeter::check_class(int c, const char* what) const {
  if (c < 0 || c >= num_classes_) {
    throw InputError(std::string("ClassMeter: ") + what + " class " + std::to_string(c) +
                     " is outside [0, " + std::to_string(num_classes_) + ")");
  }
}

void ClassMeter::add(int truth, int predicted) {
  check_class(truth, "truth");
  check_class(predicted, "predicted");
  ++confusion_[truth][predicted];
  ++count_;
}

void ClassMeter::merge(const ClassMeter& other) {
  if (other.num_classes_ != num_classes_) {
    throw InputError("ClassMeter::merge: " + std::to_string(other.num_classes_) +
                     " classes into a meter of " + std::to_string(num_classes_));
  }
  for (int t = 0; t < num_classes_; ++t) {
    for (int p = 0; p < num_classes_; ++p) confusion_[t][p] += other.confusion_[t][p];
  }
  count_ += other.count_;
}

int64_t ClassMeter::true_count(int c) const {
  check_class(c, "queried");
  return std::accumulate(confusion_[c].begin(), confusion_[c].end(), int64_t{0});
}

int64_t ClassMeter::predicted_count(int c) const {
  check_class(c, "queried");
  int64_t n = 0;
  for (const auto& row : confusion_) n += row[c];
  return n;
}

bool ClassMeter::present(int c) const { return true_count(c) > 0 || predicted_count(c) > 0; }

double ClassMeter::accuracy() const {
  if (count_ == 0) return kNaN;
  int64_t correct = 0;
  for (int c = 0; c < num_classes_; ++c) correct += confusion_[c][c];
  return ratio(correct, count_);
}

double ClassMeter::precision(int c) const { return ratio(confusion_.at(c).at(c), predicted_count(c)); }

double ClassMeter::recall(int c) const { return ratio(confusion_.at(c).at(c), true_count(c)); }

double ClassMeter::f1(int c) const {
  const int64_t tp = confusion_.at(c).at(c);
  const int64_t fp = predicted_count(c) - tp;
  const int64_t fn = true_count(c) - tp;
  return ratio(2 * tp, 2 * tp + fp + fn);
}

double ClassMeter::macro_f1() const {
  double sum = 0.0;
  int classes = 0;
  for (int c = 0; c < num_classes_; ++c) {
    if (!present(c)) continue;
    sum += f1(c);
    ++classes;
  }
  return classes == 0 ? kNaN : sum / classes;
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& binary_truth) {
  check_binary_input(scores, binary_truth, "roc_auc");
  const auto order = order_descending(scores);
  const size_t n = order.size();
  // Ranks ascending from 1; a tie group of size k starting at ascending rank r gets r + (k-1)/2.
  double positive_rank_sum = 0.0;
  int64_t positives = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    int64_t group_positives = 0;
    while (j < n && scores[order[j]] == scores[order[i]]) group_positives += binary_truth[order[j++]];
    // Descending positions i..j-1 are ascending ranks n-j+1 .. n-i.
    const double average_rank = (static_cast<double>(n - j + 1) + static_cast<double>(n - i)) / 2;
    positive_rank_sum += average_rank * static_cast<double>(group_positives);
    positives += group_positives;
    i = j;
  }
  const int64_t negatives = static_cast<int64_t>(n) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  const double p = static_cast<double>(positives);
  const double u = positive_rank_sum - p * (p + 1) / 2;
  return u / (p * static_cast<double>(negatives));
}

Calibration calibration(const std::vector<double>& scores, const std::vector<int>& binary_truth, int bins) {
  check_binary_input(scores, binary_truth, "calibration");
  if (bins < 1) throw InputError("calibration: bins must be at least 1, got " + std::to_string(bins));
  std::vector<ReliabilityBin> all(static_cast<size_t>(bins));
  Calibration out;
  for (size_t i = 0; i < scores.size(); ++i) {
    // A sum of level probabilities can land a rounding error past 1.
    if (scores[i] < -1e-9 || scores[i] > 1.0 + 1e-9) {
      throw InputError("calibration: score " + std::to_string(i) + " is " + std::to_string(scores[i]) +
                       ", outside [0, 1]");
    }
    const double s = std::clamp(scores[i], 0.0, 1.0);
    auto& bin = all[std::min(static_cast<size_t>(s * bins), all.size() - 1)];
    ++bin.count;
    bin.mean_score += s;
    bin.positive_rate += binary_truth[i];
    out.brier += (s - binary_truth[i]) * (s - binary_truth[i]);
  }
  const double n = static_cast<double>(scores.size());
  out.brier /= n;
  for (size_t b = 0; b < all.size(); ++b) {
    auto& bin = all[b];
    bin.low = static_cast<double>(b) / bins;
    bin.high = static_cast<double>(b + 1) / bins;
    if (bin.count == 0) continue;
    bin.mean_score /= static_cast<double>(bin.count);
    bin.positive_rate /= static_cast<double>(bin.count);
    out.ece += static_cast<double>(bin.count) / n * std::abs(bin.mean_score - bin.positive_rate);
    out.bins.push_back(bin);
  }
  return out;
}

PrCurve precision_recall_curve(const std::vector<double>& scores,
                               const std::vector<int>& binary_truth) {
  check_binary_input(scores, binary_truth, "precision_recall_curve");
  const auto order = order_descending(scores);
  PrCurve curve;
  size_t i = 0;
  while (i < order.size()) {
    const double threshold = scores[order[i]];
    while (i < order.size() && scores[order[i]] == threshold) {
      if (binary_truth[order[i++]] == 1) {
        ++curve.positives;
      } else {
        ++curve.negatives;
      }
    }
    curve.points.push_back({threshold, curve.positives, curve.negatives});
  }
  return curve;
}

double PrCurve::precision(size_t i) const {
  const auto& point = points.at(i);
  return ratio(point.true_positives, point.true_positives + point.false_positives);
}

double PrCurve::recall(size_t i) const {
  if (positives == 0) return kNaN;
  return ratio(points.at(i).true_positives, positives);
}

double PrCurve::f1(size_t i) const {
  if (positives == 0) return kNaN;
  const auto& point = points.at(i);
  const int64_t fn = positives - point.true_positives;
  return ratio(2 * point.true_positives, 2 * point.true_positives + point.false_positives + fn);
}

double PrCurve::macro_f1(size_t i) const {
  if (positives == 0) return kNaN;
  const auto& point = points.at(i);
  const int64_t fn = positives - point.true_positives;
  const int64_t tn = negatives - point.false_positives;
  return (f1(i) + ratio(2 * tn, 2 * tn + fn + point.false_positives)) / 2.0;
}

double average_precision(const std::vector<double>& scores, const std::vector<int>& binary_truth) {
  const PrCurve curve = precision_recall_curve(scores, binary_truth);
  if (curve.positives == 0) return kNaN;
  double ap = 0.0;
  double previous_recall = 0.0;
  for (size_t i = 0; i < curve.points.size(); ++i) {
    const double r = curve.recall(i);
    ap += (r - previous_recall) * curve.precision(i);
    previous_recall = r;
  }
  return ap;
}

Interval wilson_interval(int64_t successes, int64_t trials, double z) {
  if (trials <= 0) return {};
  if (successes < 0 || successes > trials) {
    throw InputError("wilson_interval: " + std::to_string(successes) + " successes of " + std::to_string(trials));
  }
  const double n = static_cast<double>(trials), x = static_cast<double>(successes), z2 = z * z;
  const double center = (x + z2 / 2) / (n + z2);
  const double half = z / (n + z2) * std::sqrt(x * (n - x) / n + z2 / 4);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

}  // namespace guardian::eval

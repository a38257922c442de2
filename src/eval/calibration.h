// Calibration and operating points: temperature scaling of logits, threshold choice for a
// precision or recall target or the best F1, and the precision-at-recall table (fastText's Meter
// idea).
#pragma once

#include <string>
#include <vector>

namespace guardian::eval {

// The temperature range fit_temperature searches.
inline constexpr double kMinTemperature = 0.05;
inline constexpr double kMaxTemperature = 20.0;

// The T in [kMinTemperature, kMaxTemperature] minimising the mean negative log-likelihood of
// softmax(logits / T) at `labels` (golden-section search on log T; the NLL is convex in 1/T, so
// it has one minimum there). Rows labelled kUnknownLabel (-1) are skipped. Throws InputError on
// a size mismatch, rows of different or fewer than 2 levels, a label out of range, a non-finite
// logit, or no labelled row.
double fit_temperature(const std::vector<std::vector<double>>& logits,
                       const std::vector<int>& labels);

// A category's probability scaling: softmax of the logits divided by `temperature`, with `offset`
// taken from the harmless level's logit (which multiplies the odds of P(level >= 1) by e^offset).
struct Scaling {
  double temperature = 1.0;
  double offset = 0.0;
};

// The temperature and offset minimising the same NLL (the offset within policy::kMaxOffset):
// temperature alone sharpens or softens the scores but cannot move them as a whole, and a model
// trained with class-balanced weights claims a positive more often than the data give one (a
// bench model on BEEP! bias: test ECE 0.169 raw, 0.147 with a temperature, 0.082 with both). The
// NLL is jointly convex in (1/T, offset): golden-section search on log T over the best offset for
// each T (itself a golden-section search). Same rows and errors as fit_temperature.
Scaling fit_scaling(const std::vector<std::vector<double>>& logits, const std::vector<int>& labels);

// Mean NLL of softmax(logits / T) at the labels (same skipping and errors as fit_temperature;
// T must be > 0).
double temperature_nll(const std::vector<std::vector<double>>& logits,
                       const std::vector<int>& labels, double temperature);

// What a threshold must achieve: a minimum precision or recall, or the best F1 the data allows;
// or, needing no labels, a share of the messages to flag.
struct Target {
  // kF1: the F1 of the flagged class; kMacroF1: the mean of the flagged and the allowed classes'
  // F1 (how the benchmarks score a binary decision). Both take no value. kShare: the share of the
  // data's messages to flag (threshold_for_share), the value in [0, 1], or the policy's reference
  // share when given without one: the threshold that flags as much of new traffic as the old one
  // flagged of the reference data (labels play no part).
  enum Metric { kPrecision, kRecall, kF1, kMacroF1, kShare };
  Metric metric = kPrecision;   // which metric the value constrains, or which one is maximised
  double value = 0.9;           // the minimum, in (0, 1]; kShare: the share, in [0, 1]; unused by kF1 and kMacroF1
  bool from_reference = false;  // kShare without a value: each category's reference share

  // Parses "precision=0.9", "recall=0.8", "f1", "macro_f1", "share" or "share=0.4" (spaces around
  // tokens allowed); throws ConfigError naming the text otherwise.
  static Target parse(const std::string& text);
  // "precision=0.9", "f1"
  std::string to_string() const;
};

// A chosen operating point: flag when score >= threshold.
struct ThresholdChoice {
  double threshold = 0.0;   // one of the scores
  double precision = 0.0;   // at that threshold, on the given data
  double recall = 0.0;
  double f1 = 0.0;          // of the flagged class
  double macro_f1 = 0.0;    // mean of the flagged and allowed classes' F1
  bool met = false;         // false: the target is unreachable and this is the best-F1 point
  int64_t flagged = 0;      // rows at or above the threshold (precision's denominator)
  int64_t true_positives = 0;
  int64_t positives = 0;    // recall's denominator
};

// For a precision target, the lowest threshold whose precision >= value (the most recall that
// target allows); for a recall target, the highest threshold whose recall >= value (the most
// precision); for an F1 or macro-F1 target, the threshold maximising it (the highest on a tie;
// always met). Thresholds are the distinct scores, so tied scores are flagged together. When no
// threshold meets a precision or recall target, met is false and the best-F1 threshold (the
// highest on a tie) is returned. Throws InputError on bad scores/truth (see roc_auc) or when there is no positive.
ThresholdChoice pick_threshold(const std::vector<double>& scores, const std::vector<int>& truth,
                               const Target& target);

// The figures of a given threshold on the data (met is true): what the rows of one language get
// from a threshold chosen on all of them, say. Precision is 0 when nothing is flagged. Throws
// InputError on bad scores/truth or when there is no positive.
ThresholdChoice measure_threshold(const std::vector<double>& scores, const std::vector<int>& truth, double threshold);

// A threshold chosen for the share of messages it flags.
struct ShareChoice {
  double threshold = 1.0;  // flag when score >= threshold; in (0, 1]
  double share = 0.0;      // the share of the scores it flags
};

// The threshold whose flagged share (score >= threshold) is the closest to `share` (the smaller
// share on a tie): one of the scores, or just above the highest (1 at most) to flag none. Tied
// scores are flagged together, so the share is met to within the largest tie. Throws InputError
// for no scores, a score outside [0, 1] or a share outside [0, 1].
ShareChoice threshold_for_share(std::vector<double> scores, double share);

// One row of the precision-at-recall table.
struct PrecisionRecallPoint {
  double target_recall = 0.0;   // the recall asked for
  double threshold = 0.0;       // the threshold giving the best precision at recall >= target
  double precision = 0.0;       // at that threshold
  double recall = 0.0;          // at that threshold (>= target_recall)
};

// For each recall r, the best precision over thresholds whose recall >= r (like fastText's
// Meter::precisionAtRecall), with the threshold that gives it (the highest one on a tie). Every
// recall in (0, 1] is reachable (flagging everything gives recall 1). Throws InputError for a
// recall outside (0, 1], bad scores/truth, or no positive.
std::vector<PrecisionRecallPoint> precision_at_recall_table(
    const std::vector<double>& scores, const std::vector<int>& truth,
    const std::vector<double>& recalls = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95});

}  // namespace guardian::eval

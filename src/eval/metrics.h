// Metric meters: a confusion-matrix meter for one categorical variable, and ranking metrics
// (ROC-AUC, average precision, the precision-recall curve) for a binary score.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace guardian::eval {

// Counts (truth, predicted) pairs for one variable with classes 0 .. num_classes-1.
// Conventions follow scikit-learn with zero_division=0: a class never predicted has precision 0,
// a class never true has recall 0, and F1 = 2TP / (2TP + FP + FN) (0 when that is 0/0).
class ClassMeter {
 public:
  // Throws InputError when num_classes < 1.
  explicit ClassMeter(int num_classes);

  // Throws InputError when truth or predicted is outside [0, num_classes).
  void add(int truth, int predicted);
  // Adds another meter's counts; throws InputError when the class counts differ.
  void merge(const ClassMeter& other);

  int num_classes() const { return num_classes_; }
  int64_t count() const { return count_; }
  // Rows whose truth is c (the class's support).
  int64_t true_count(int c) const;
  // Rows predicted as c.
  int64_t predicted_count(int c) const;
  // Whether c occurs in the truth or in the predictions.
  bool present(int c) const;

  // Share of rows predicted right; NaN when empty.
  double accuracy() const;
  double precision(int c) const;
  double recall(int c) const;
  double f1(int c) const;
  // Mean F1 over the classes present in truth ∪ predictions, which is what
  // sklearn.metrics.f1_score(y_true, y_pred, average="macro") computes with its default labels.
  // Classes the meter declares but never saw do not count. NaN when empty.
  double macro_f1() const;

  // confusion()[t][p]: rows with truth t predicted as p (scikit-learn's layout).
  const std::vector<std::vector<int64_t>>& confusion() const { return confusion_; }

 private:
  void check_class(int c, const char* what) const;

  int num_classes_;                                // number of classes
  int64_t count_ = 0;                              // rows added
  std::vector<std::vector<int64_t>> confusion_;    // [truth][predicted]
};

// Area under the ROC curve of `scores` against 0/1 `binary_truth` (the Mann-Whitney statistic;
// tied scores get their average rank, so a tie between a positive and a negative counts 1/2).
// NaN when either class is absent. Throws InputError on a size mismatch, an empty input, a
// non-finite score or a truth value other than 0 and 1.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& binary_truth);

// How far a binary score's probabilities can be taken at their word: the scores in ten (`bins`)
// equal-width bins of [0, 1] (a score of 1 in the last), each bin's mean score beside the share of
// positives in it (the reliability diagram), and two summaries.
struct ReliabilityBin {
  double low = 0.0, high = 0.0;  // the bin [low, high)
  int64_t count = 0;             // scores in it
  double mean_score = 0.0;       // what they claim
  double positive_rate = 0.0;    // what happened
};
struct Calibration {
  double ece = 0.0;    // expected calibration error: sum over bins of count / n * |mean_score - positive_rate|
  double brier = 0.0;  // mean (score - truth)^2: calibration and ranking together
  std::vector<ReliabilityBin> bins;  // the non-empty ones, lowest first
};
// Same input errors as roc_auc, and InputError for a score outside [0, 1] (by more than 1e-9) or bins < 1.
Calibration calibration(const std::vector<double>& scores, const std::vector<int>& binary_truth, int bins = 10);

// Average precision as scikit-learn's average_precision_score: sum over distinct thresholds
// (highest first) of (R_n - R_{n-1}) * P_n, with tied scores forming one threshold.
// NaN when there are no positives. Same input errors as roc_auc.
double average_precision(const std::vector<double>& scores, const std::vector<int>& binary_truth);

// One operating point: flag when score >= threshold.
struct PrCurvePoint {
  double threshold = 0.0;        // a distinct score value
  int64_t true_positives = 0;    // positives with score >= threshold
  int64_t false_positives = 0;   // negatives with score >= threshold
};

// The precision-recall curve over every distinct score, highest threshold first.
struct PrCurve {
  int64_t positives = 0;               // positives in the truth
  int64_t negatives = 0;               // negatives in the truth
  std::vector<PrCurvePoint> points;    // one per distinct score, thresholds descending

  // Precision at point i (every point flags at least one row, so it is always defined).
  double precision(size_t i) const;
  // Recall at point i; NaN when there are no positives.
  double recall(size_t i) const;
  // F1 at point i; 0 when precision and recall are both 0, NaN when there are no positives.
  double f1(size_t i) const;
  // The mean of the flagged class's F1 (f1) and the allowed class's (a class never predicted nor
  // present scores 0) at point i; NaN when there are no positives.
  double macro_f1(size_t i) const;
};

// Builds the curve; same input errors as roc_auc.
PrCurve precision_recall_curve(const std::vector<double>& scores,
                               const std::vector<int>& binary_truth);

// A 95% (by default) interval for a proportion: Wilson's score interval for `successes` of
// `trials`, which stays inside [0, 1] and is sound for the small counts a labelled sample gives
// (the normal approximation is not: 0 of 10 would be [0, 0]). [0, 1] for no trials.
struct Interval {
  double low = 0.0;
  double high = 1.0;
};
Interval wilson_interval(int64_t successes, int64_t trials, double z = 1.959964);

}  // namespace guardian::eval

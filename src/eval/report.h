// An evaluation report: per-category and flag/allow metrics for the whole set and per language,
// rendered as JSON for machines and as a table for people.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/metrics.h"

namespace guardian::eval {

// One policy category. Rows whose label is unknown do not count. A metric with nothing to
// measure (no rows, one class absent for AUC) is NaN, written as null in JSON and "-" in text.
struct CategoryReport {
  std::string name;              // the policy category's name
  bool trained = true;           // false: never learned (policy::Category::trained); no flagged share
  size_t support = 0;            // rows with a known label for this category
  double accuracy = 0.0;         // argmax level == true level
  double precision = 0.0;        // binary: predicted level >= 1 (argmax) vs true level >= 1
  double recall = 0.0;           // binary, same collapse as precision
  double macro_f1 = 0.0;         // mean F1 over levels present in truth or predictions (sklearn)
  double roc_auc = 0.0;          // of P(level >= 1) against true level >= 1
  // Calibration: do the probabilities mean what they say? (`guardian calibrate` fits temperatures,
  // and offsets with --offset, for it.) ECE, Brier and the reliability bins of P(level >= 1) against true level >= 1
  // (eval::calibration), and the log loss of the true level's probability, every level counted.
  double ece = 0.0;
  double brier = 0.0;
  double log_loss = 0.0;
  std::vector<ReliabilityBin> reliability;
  std::vector<std::vector<int64_t>> confusion;  // [true level][predicted level]
  // The drift check (eval/drift.h), over every row of the slice, labelled or not:
  double flagged_share = 0.0;    // rows whose P(level >= 1) reached the category's threshold
  double reference_share = 0.0;  // the policy's reference share for these rows' languages (Category::expected_reference); NaN when it records none or it is stale
  bool reference_stale = false;  // the policy's reference was measured at another threshold
  double drift_z = 0.0;          // two-proportion z of flagged_share against it (NaN: none)
  bool drifted = false;          // parted from the reference beyond noise and by enough to matter
};

// The policy's flag/allow decision against the truth "toxic" (some known deciding label >= 1)
// vs "clean" (every known deciding label 0). Rows with no known deciding label do not count.
struct DecisionReport {
  size_t support = 0;            // rows with at least one known deciding label
  double accuracy = 0.0;         // flagged == toxic
  double precision = 0.0;        // of flagged; 0 when nothing is flagged
  double recall = 0.0;           // of toxic; 0 when nothing is toxic
  double f1 = 0.0;               // binary F1 of flagged vs toxic
  double roc_auc = 0.0;          // of the decision margin (see Evaluator) against toxic
  // How much is flagged beside how much is toxic: far apart, the thresholds do not fit this data
  // (a shift from the data they were fitted on), whatever the ranking's AUC says.
  double flagged_share = 0.0;    // of the rows, the share flagged
  double toxic_share = 0.0;      // of the rows, the share toxic in truth
};

// The metrics of one slice of the data (all rows, or one language).
struct Scores {
  size_t examples = 0;                        // rows in the slice
  std::vector<CategoryReport> categories;     // in policy order
  DecisionReport decision;                    // flag/allow
  double aggregate = 0.0;                     // mean accuracy over categories with support > 0
};

struct Report {
  std::string policy;                         // the policy's name
  Scores all;                                 // every row
  std::map<std::string, Scores> by_language;  // keyed "ko", "en", "unknown"; languages seen only
};

nlohmann::json to_json(const Scores& scores);
// {"policy": ..., "all": {...}, "by_language": {"en": {...}, ...}}; NaN becomes null.
nlohmann::json to_json(const Report& report);
// A readable table: one row per category (accuracy, precision, recall, macro-F1, ROC-AUC,
// support), the decision row and the aggregate, then the same per language, then the confusion
// matrices of the whole set.
std::string to_text(const Report& report);

}  // namespace guardian::eval

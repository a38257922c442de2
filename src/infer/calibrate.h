// Calibration of a trained model on validation data: per category the temperature (and offset),
// the threshold a target picks, optionally a threshold per language; the data then becomes the
// policy's reference. `guardian calibrate` is this function plus its files.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.h"
#include "eval/calibration.h"
#include "models/model.h"
#include "policy/policy.h"

namespace guardian::infer {

struct CalibrateOptions {
  eval::Target target;                        // what each category's threshold must reach
  bool keep_temperature = false;              // move the thresholds only
  bool offset = false;                        // fit a log-odds offset with each temperature
  bool per_language = false;                  // a threshold per language for every category
  std::vector<std::string> per_language_for;  // ... or for these categories only

  // Whether category `name` has its threshold picked per language.
  bool fits_languages(const std::string& name) const;
};

// ConfigError when the options contradict each other or name a category the policy lacks (a
// misspelt name would silently fit nothing). calibrate() checks too; a command calls it before
// loading data, so that a wrong flag costs nothing.
void check_calibrate_options(const CalibrateOptions& options, const policy::Policy& policy);

struct Calibration {
  policy::Policy policy;   // the model's policy calibrated: the reference set, the version moved on
  nlohmann::json summary;  // calibration.json: {"target", "data", "categories": [...]}
  std::string text;        // the human-readable report, line by line, as `guardian calibrate` prints it
};

// Scores the examples with the model and calibrates its policy for options.target: a share target
// reads no labels; the others fit on the labelled rows of each category. `specs` name the data in
// the reference and the summary. The model's own policy is left as it was.
Calibration calibrate(const models::Model& model, const std::vector<data::Example>& examples,
                      const std::vector<std::string>& specs, const CalibrateOptions& options);

// "3" -> "4", "2026-01" -> "2026-01.1": a calibrated policy's version.
std::string next_version(const std::string& version);

}  // namespace guardian::infer

// Scoring a set of examples with any model kind into the evaluator's JSON report: the one path
// every trainer uses for its final validation and eval-spec metrics.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.h"
#include "models/model.h"

namespace guardian::infer {

// Scores the examples in batches under the model's own policy; eval::to_json of the report.
nlohmann::json report_on(const models::Model& model, const std::vector<data::Example>& examples);

// Makes the data behind an evaluator report (eval::to_json) the policy's reference: each
// category's flagged_share of every row becomes its reference_share, the row count
// reference_rows, and reference_data reads "<what>: <specs>"; with two languages or more of at
// least 100 messages each, each one's flagged_share its reference_language_share and its count
// reference_language_rows (replaced, or cleared for data in one language). An untrained category
// gets no reference. A report of no rows leaves the policy as it was. The one place a reference is
// set (training and calibrate).
void set_reference(policy::Policy& policy, const nlohmann::json& report, const std::string& what,
                   const std::vector<std::string>& specs);

// report_on the validation examples, whose flagged shares then become the model's reference
// (Policy::reference_share: what each category flags at its threshold, the drift check's
// baseline), recorded in the model's policy and in dir's policy.toml; `data` names the
// validation specs. Reports made after it (the eval specs) set their shares beside these.
nlohmann::json validation_report(const std::filesystem::path& dir, models::Model& model,
                                 const std::vector<data::Example>& examples, const std::vector<std::string>& data);

}  // namespace guardian::infer

// Scoring a set of examples with any model kind into the evaluator's JSON report: the one path
// every trainer uses for its final validation and eval-spec metrics.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.h"
#include "models/model.h"

namespace guardian::train {

// Scores the examples in batches under the model's own policy; eval::to_json of the report.
nlohmann::json report_on(models::Model& model, const std::vector<data::Example>& examples);

}  // namespace guardian::train

// The serving core's answer for one message: per-category level probabilities, the General score,
// and the policy's decision. The CLI's `moderate` and the HTTP server both build on this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "policy/policy.h"

namespace guardian::infer {

struct CategoryResult {
  std::string name;                 // policy category
  std::vector<double> levels;       // calibrated level probabilities
  double score = 0.0;               // P(level >= 1)
  std::optional<double> holistic;   // expected score for holistic categories (General 1..5)
};

struct ModerationResult {
  std::vector<CategoryResult> categories;  // policy order
  policy::Decision decision;               // flag / allow and what decided it
  std::string language;                    // "ko", "en", "unknown": whose language_offset applied
};

// Scores a batch of raw texts (normalised here) under the model's policy.
std::vector<ModerationResult> moderate(const models::Model& model, const std::vector<std::string>& texts);
// Turns one message's logits into a result under a policy (temperatures, the language offsets of
// `text`'s language and thresholds applied).
ModerationResult interpret(const models::CategoryLogits& logits, const policy::Policy& policy, const std::string& text);

// {"flagged":..,"decision":{..},"language":..,"categories":{name:{"score":..,"levels":{level:p}}},"general":..};
// an untrained category (policy::Category::trained) is left out.
nlohmann::json to_json(const ModerationResult& result, const policy::Policy& policy);

}  // namespace guardian::infer

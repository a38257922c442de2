#include "infer/moderation.h"

#include "data/example.h"
#include "text/normalize.h"

namespace guardian::infer {

ModerationResult interpret(const models::CategoryLogits& logits, const policy::Policy& policy, const std::string& text) {
  ModerationResult result;
  result.language = data::message_language(text);
  auto probs = models::to_probabilities(logits, policy, result.language);
  for (size_t c = 0; c < probs.size(); ++c) {
    const auto& category = policy.categories[c];
    CategoryResult r{category.name, probs[c], policy::severity_probability(probs[c]), std::nullopt};
    if (category.score_at_level0) {
      double expected = 0.0;
      for (size_t l = 0; l < probs[c].size(); ++l) {
        expected += probs[c][l] * static_cast<double>(*category.score_at_level0 - static_cast<int>(l));
      }
      r.holistic = expected;
    }
    result.categories.push_back(std::move(r));
  }
  result.decision = policy::decide(policy, probs);
  return result;
}

std::vector<ModerationResult> moderate(const models::Model& model, const std::vector<std::string>& texts) {
  std::vector<std::string> normalized;
  normalized.reserve(texts.size());
  for (const auto& t : texts) normalized.push_back(text::normalize(t));
  auto logits = model.score(normalized);
  std::vector<ModerationResult> results;
  results.reserve(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) results.push_back(interpret(logits[i], model.policy(), normalized[i]));
  return results;
}

nlohmann::json to_json(const ModerationResult& result, const policy::Policy& policy) {
  nlohmann::json categories = nlohmann::json::object();
  nlohmann::json out;
  for (size_t c = 0; c < result.categories.size(); ++c) {
    const auto& r = result.categories[c];
    if (!policy.categories[c].trained) continue;  // its score would be noise
    nlohmann::json levels = nlohmann::json::object();
    for (size_t l = 0; l < r.levels.size(); ++l) levels[policy.categories[c].levels[l]] = r.levels[l];
    categories[r.name] = {{"score", r.score}, {"levels", levels}};
    if (r.holistic) {
      categories[r.name]["holistic"] = *r.holistic;
      if (r.name == "general") out["general"] = *r.holistic;
    }
  }
  out["flagged"] = result.decision.flagged;
  out["decision"] = {{"action", result.decision.flagged ? "flag" : "allow"},
                     {"category", result.decision.category},
                     {"score", result.decision.score},
                     {"threshold", result.decision.threshold}};
  out["language"] = result.language;
  out["categories"] = categories;
  return out;
}

}  // namespace guardian::infer

#include "infer/model_report.h"

#include <algorithm>

#include "eval/evaluator.h"
#include "eval/report.h"
#include "infer/score.h"
#include "models/model_dir.h"

namespace guardian::infer {

nlohmann::json report_on(const models::Model& model, const std::vector<data::Example>& examples) {
  eval::Evaluator evaluator(model.policy());
  score_in_chunks(model, examples, [&](size_t begin, std::vector<models::CategoryLogits>& logits) {
    for (size_t i = 0; i < logits.size(); ++i) {
      const auto& example = examples[begin + i];
      evaluator.add(example, models::to_probabilities(logits[i], model.policy(), data::message_language(example.text)));
    }
  });
  return eval::to_json(evaluator.report());
}

// A language's reference share is measured only on at least this many of its messages.
constexpr int64_t kMinLanguageReferenceRows = 100;

void set_reference(policy::Policy& policy, const nlohmann::json& report, const std::string& what,
                   const std::vector<std::string>& specs) {
  const auto rows = report["all"]["examples"].get<int64_t>();
  if (rows == 0) return;  // nothing measured: no reference
  std::string data;
  for (const auto& spec : specs) data += (data.empty() ? "" : ", ") + spec;
  policy.reference_data = what + ": " + data;
  policy.reference_rows = rows;
  const auto& categories = report["all"]["categories"];
  // Per language too, when the data hold more than one with enough messages to measure a share.
  std::vector<std::string> languages;
  if (report.contains("by_language")) {
    for (const auto& [language, slice] : report["by_language"].items()) {
      if (language != "unknown" && slice.value("examples", int64_t{0}) >= kMinLanguageReferenceRows) {
        languages.push_back(language);
      }
    }
  }
  if (languages.size() < 2) languages.clear();
  policy.reference_language_rows.clear();
  for (const auto& language : languages) {
    policy.reference_language_rows[language] = report["by_language"][language]["examples"].get<int64_t>();
  }
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    auto& category = policy.categories[c];
    category.reference_language_share.clear();
    if (!category.trained) {  // its flags are noise: nothing to watch for drift
      category.reference_share.reset();
      category.reference_threshold.reset();
      continue;
    }
    category.reference_share = categories.at(c).at("flagged_share").get<double>();
    category.reference_threshold = category.threshold;
    for (const auto& language : languages) {
      category.reference_language_share[language] =
          report["by_language"][language]["categories"].at(c).at("flagged_share").get<double>();
    }
  }
}

nlohmann::json validation_report(const std::filesystem::path& dir, models::Model& model,
                                 const std::vector<data::Example>& examples, const std::vector<std::string>& data) {
  auto report = report_on(model, examples);
  auto policy = model.policy();
  set_reference(policy, report, "validation", data);
  policy.save(dir / models::kPolicyFile);
  model.set_policy(policy);
  return report;
}

}  // namespace guardian::infer

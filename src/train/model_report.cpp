#include "train/model_report.h"

#include <algorithm>

#include "eval/evaluator.h"
#include "eval/report.h"

namespace guardian::train {

nlohmann::json report_on(models::Model& model, const std::vector<data::Example>& examples) {
  eval::Evaluator evaluator(model.policy());
  constexpr size_t kBatch = 256;  // bounded memory on large eval sets
  for (size_t start = 0; start < examples.size(); start += kBatch) {
    const size_t end = std::min(examples.size(), start + kBatch);
    std::vector<std::string> texts;
    for (size_t i = start; i < end; ++i) texts.push_back(examples[i].text);
    const auto logits = model.score(texts);
    for (size_t i = start; i < end; ++i) {
      evaluator.add(examples[i], models::to_probabilities(logits[i - start], model.policy()));
    }
  }
  return eval::to_json(evaluator.report());
}

}  // namespace guardian::train

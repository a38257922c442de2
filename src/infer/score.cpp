#include "infer/score.h"

#include <algorithm>
#include <string>

namespace guardian::infer {

void score_in_chunks(const models::Model& model, const std::vector<data::Example>& examples,
                     const std::function<void(size_t begin, std::vector<models::CategoryLogits>& logits)>& each) {
  for (size_t begin = 0; begin < examples.size(); begin += kScoreChunk) {
    const size_t end = std::min(examples.size(), begin + kScoreChunk);
    std::vector<std::string> texts;
    texts.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) texts.push_back(examples[i].text);
    auto logits = model.score(texts);
    each(begin, logits);
  }
}

std::vector<models::CategoryLogits> score_all(const models::Model& model, const std::vector<data::Example>& examples) {
  std::vector<models::CategoryLogits> out;
  out.reserve(examples.size());
  score_in_chunks(model, examples, [&](size_t, std::vector<models::CategoryLogits>& logits) {
    for (auto& l : logits) out.push_back(std::move(l));
  });
  return out;
}

}  // namespace guardian::infer

#include "train/training_data.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/fs.h"

namespace guardian::train {

Unlearnable disable_unlearnable_categories(policy::Policy& policy, const std::vector<data::Example>& train) {
  Unlearnable out;
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    auto& category = policy.categories[c];
    const bool positive = std::any_of(train.begin(), train.end(), [&](const data::Example& e) { return e.labels[c] >= 1; });
    const bool labelled = std::any_of(train.begin(), train.end(), [&](const data::Example& e) {
      return e.labels[c] != data::kUnknownLabel;
    });
    if (!labelled) {
      if (category.decides) out.not_deciding.push_back(category.name);
      category.decides = false;
      category.trained = false;
      out.untrained.push_back(category.name);
      spdlog::warn("category '{}' has no label in the training data: it is not learned, and answers leave it out",
                   category.name);
    } else if (!positive && category.decides) {
      category.decides = false;
      out.not_deciding.push_back(category.name);
      spdlog::warn("category '{}' has no positive label in the training data: it is scored but will not flag",
                   category.name);
    }
  }
  return out;
}

TrainingData load_training_data(const TrainConfig& config) {
  TrainingData d;
  d.policy = policy::resolve_policy(config.policy);
  d.data_root = core::data_root();
  if (config.data.valid.empty()) throw ConfigError("data.valid must name at least one card:split for model selection");
  d.train = data::load_sets(config.data.train, d.policy, d.data_root,
                      config.data.research_only ? data::Purpose::kTrainResearch : data::Purpose::kTrain, config.data.skip_bad);
  d.valid = data::load_sets(config.data.valid, d.policy, d.data_root, data::Purpose::kValid, config.data.skip_bad);
  if (d.train.examples.empty()) throw InputError("the training data is empty");
  data::augment(d.train, config.optim.augment);
  auto unlearnable = disable_unlearnable_categories(d.policy, d.train.examples);
  d.not_deciding = std::move(unlearnable.not_deciding);
  d.untrained = std::move(unlearnable.untrained);
  spdlog::info("data: {} training and {} validation messages", d.train.examples.size(), d.valid.examples.size());
  return d;
}

std::vector<std::vector<float>> level_weights(const std::vector<data::Example>& train, const policy::Policy& policy,
                                              bool balanced) {
  std::vector<std::vector<float>> weights;
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    const size_t levels = policy.categories[c].levels.size();
    std::vector<double> counts(levels, 0.0);
    for (const auto& e : train) {
      if (e.labels[c] >= 0) counts[e.labels[c]] += 1.0;
    }
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    std::vector<float> w(levels, 1.0f);
    if (balanced && total > 0) {
      double sum = 0.0;
      for (size_t l = 0; l < levels; ++l) sum += w[l] = static_cast<float>(std::sqrt(total / (levels * std::max(1.0, counts[l]))));
      for (auto& v : w) v = static_cast<float>(v * levels / sum);
    }
    weights.push_back(std::move(w));
  }
  return weights;
}

}  // namespace guardian::train

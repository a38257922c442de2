#include "train/data_sets.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/fs.h"
#include "data/card.h"
#include "data/perturb.h"
#include "data/reader.h"

namespace guardian::train {

namespace {

const char* purpose_name(Purpose purpose) {
  switch (purpose) {
    case Purpose::kTrain:
    case Purpose::kTrainResearch: return "training";
    case Purpose::kValid: return "validation";
    case Purpose::kEval: return "evaluation";
  }
  return "?";
}

// Training and model selection never touch a split that a benchmark scores, and training never
// uses data whose licence forbids derivatives (the card says so).
void check_allowed(const data::Card& card, const data::SplitSpec& spec, Purpose purpose, const std::string& text) {
  if (purpose == Purpose::kEval) return;
  const bool scored = std::find(card.scored.begin(), card.scored.end(), spec.split) != card.scored.end();
  if (scored) {
    throw ConfigError("'" + text + "': split '" + spec.split + "' of card '" + card.name +
                      "' is a scored benchmark split; it cannot be used for " + purpose_name(purpose) +
                      " (use a slice of train, e.g. " + card.name + ":train[90%:])");
  }
  if (purpose == Purpose::kTrain && !card.trainable) {
    throw ConfigError("'" + text + "': card '" + card.name + "' is not trainable (licence: " + card.licence +
                      "); it may be used for evaluation only");
  }
}

}  // namespace

LoadedSet load_sets(const std::vector<std::string>& specs, const policy::Policy& policy,
                    const std::filesystem::path& data_root, Purpose purpose, bool skip_bad, bool unlabelled) {
  LoadedSet set;
  set.provenance = nlohmann::json::array();
  for (const auto& text : specs) {
    const auto spec = data::SplitSpec::parse(text);
    const auto card = data::load_card(spec.card);
    check_allowed(card, spec, purpose, text);
    data::ReadOptions options;
    options.skip_bad = skip_bad;
    options.unlabelled = unlabelled;
    data::ReadReport report;
    const size_t before = set.examples.size();
    data::read_examples(card, spec, policy, data_root,
                        [&](data::Example&& e) { set.examples.push_back(std::move(e)); }, options, &report);
    if (report.skipped) spdlog::warn("{}: skipped {} malformed rows", text, report.skipped);
    set.provenance.push_back({{"spec", text}, {"card", card.name}, {"licence", card.licence},
                              {"examples", set.examples.size() - before}, {"skipped", report.skipped}});
  }
  return set;
}

std::vector<std::string> load_texts(const std::vector<std::string>& specs, const std::filesystem::path& data_root,
                                    size_t limit, Purpose purpose) {
  std::vector<std::string> texts;
  for (const auto& text : specs) {
    const auto spec = data::SplitSpec::parse(text);
    const auto card = data::load_card(spec.card);
    check_allowed(card, spec, purpose, text);
    if (texts.size() >= limit) break;
    data::read_texts(card, spec.split, data_root, [&](std::string&& t) { texts.push_back(std::move(t)); },
                     limit - texts.size());
  }
  return texts;
}

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

void augment(LoadedSet& set, const std::vector<std::string>& games) {
  const size_t originals = set.examples.size();
  for (const auto& game : games) {
    const auto kind = data::parse_perturbation(game);
    size_t added = 0;
    for (size_t i = 0; i < originals; ++i) {
      const auto& e = set.examples[i];
      std::string text = data::perturb(e.text, kind, "augment:" + e.id);
      if (text == e.text) continue;  // nothing to learn from a copy the game left alone
      data::Example copy = e;
      copy.text = std::move(text);
      copy.id = e.id + "~" + game;
      set.examples.push_back(std::move(copy));  // may reallocate: e is not used after this
      ++added;
    }
    set.provenance.push_back({{"augment", game}, {"examples", added}});
    spdlog::info("augment: {} training messages also seen as '{}'", added, game);
  }
}

TrainingData load_training_data(const TrainConfig& config) {
  TrainingData d;
  d.policy = resolve_policy(config.policy);
  d.data_root = core::data_root();
  if (config.data.valid.empty()) throw ConfigError("data.valid must name at least one card:split for model selection");
  d.train = load_sets(config.data.train, d.policy, d.data_root,
                      config.data.research_only ? Purpose::kTrainResearch : Purpose::kTrain, config.data.skip_bad);
  d.valid = load_sets(config.data.valid, d.policy, d.data_root, Purpose::kValid, config.data.skip_bad);
  if (d.train.examples.empty()) throw InputError("the training data is empty");
  augment(d.train, config.optim.augment);
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

policy::Policy resolve_policy(const std::string& name_or_path) {
  std::filesystem::path path(name_or_path);
  if (!std::filesystem::exists(path) && path.extension() != ".toml" && path.parent_path().empty()) {
    path = core::config_dir() / "policies" / (name_or_path + ".toml");
  }
  if (!std::filesystem::exists(path)) {
    throw ConfigError("policy '" + name_or_path + "' is neither a file nor a built-in policy (" +
                      (core::config_dir() / "policies").string() + ")");
  }
  return policy::Policy::load(path);
}

}  // namespace guardian::train

#include "data/sets.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/toml_table.h"
#include "data/card.h"
#include "data/perturb.h"
#include "data/reader.h"

namespace guardian::data {

DataConfig read_data_table(const toml::table* table, const std::string& where) {
  DataConfig c;
  core::TomlTable data(table, where, "data");
  data.get("train", c.train);
  data.get("valid", c.valid);
  data.get("eval", c.eval);
  data.get("tokenizer_text", c.tokenizer_text);
  data.get("skip_bad", c.skip_bad);
  data.get("research_only", c.research_only);
  data.finish();
  return c;
}

DataConfig load_recipe_data(const std::filesystem::path& recipe) {
  const toml::table root = core::parse_toml(core::read_file(recipe), recipe.string());
  return read_data_table(root["data"].as_table(), recipe.string());
}

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
void check_allowed(const Card& card, const SplitSpec& spec, Purpose purpose, const std::string& text) {
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
    const auto spec = SplitSpec::parse(text);
    const auto card = load_card(spec.card);
    check_allowed(card, spec, purpose, text);
    ReadOptions options;
    options.skip_bad = skip_bad;
    options.unlabelled = unlabelled;
    ReadReport report;
    const size_t before = set.examples.size();
    read_examples(card, spec, policy, data_root,
                        [&](Example&& e) { set.examples.push_back(std::move(e)); }, options, &report);
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
    const auto spec = SplitSpec::parse(text);
    const auto card = load_card(spec.card);
    check_allowed(card, spec, purpose, text);
    if (texts.size() >= limit) break;
    read_texts(card, spec.split, data_root, [&](std::string&& t) { texts.push_back(std::move(t)); },
                     limit - texts.size());
  }
  return texts;
}

void augment(LoadedSet& set, const std::vector<std::string>& games) {
  const size_t originals = set.examples.size();
  for (const auto& game : games) {
    const auto kind = parse_perturbation(game);
    size_t added = 0;
    for (size_t i = 0; i < originals; ++i) {
      const auto& e = set.examples[i];
      std::string text = perturb(e.text, kind, "augment:" + e.id);
      if (text == e.text) continue;  // nothing to learn from a copy the game left alone
      Example copy = e;
      copy.text = std::move(text);
      copy.id = e.id + "~" + game;
      set.examples.push_back(std::move(copy));  // may reallocate: e is not used after this
      ++added;
    }
    set.provenance.push_back({{"augment", game}, {"examples", added}});
    spdlog::info("augment: {} training messages also seen as '{}'", added, game);
  }
}

}  // namespace guardian::data

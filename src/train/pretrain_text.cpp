#include "train/pretrain_text.h"

#include <limits>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "data/card.h"
#include "data/reader.h"
#include "data/sets.h"
#include "text/normalize.h"

namespace guardian::train {

PretrainText gather_pretrain_text(const TrainConfig& config) {
  const auto purpose = config.data.research_only ? data::Purpose::kTrainResearch : data::Purpose::kTrain;
  const auto data_root = core::data_root();
  PretrainText out;

  // The scored splits of every card the recipe names.
  std::set<std::string> scored;
  for (const auto* specs : {&config.pretrain.text, &config.data.train, &config.data.valid, &config.data.eval}) {
    for (const auto& spec : *specs) {
      const auto card_name = data::SplitSpec::parse(spec).card;
      const auto card = data::load_card(card_name);
      for (const auto& split : card.scored) scored.insert(card_name + ":" + split);
    }
  }
  std::unordered_set<std::string> scored_texts;
  for (const auto& spec : scored) {
    for (auto& t : data::load_texts({spec}, data_root, std::numeric_limits<size_t>::max(), data::Purpose::kEval)) {
      scored_texts.insert(text::normalize_lossy(t));
    }
    out.scored_specs.push_back(spec);
  }

  const auto limit = static_cast<size_t>(config.pretrain.max_texts);
  for (const auto* specs : {&config.pretrain.text, &config.data.train}) {
    if (specs->empty() || out.texts.size() >= limit) continue;
    // Duplicates are dropped after reading, so read what is left of the limit plus what they took.
    for (auto& t : data::load_texts(*specs, data_root, limit - out.texts.size() + out.scored_duplicates, purpose)) {
      if (out.texts.size() >= limit) break;
      if (scored_texts.count(text::normalize_lossy(t))) {
        ++out.scored_duplicates;
        continue;
      }
      out.texts.push_back(std::move(t));
    }
  }
  spdlog::info("pretrain: {} texts; {} exact duplicates of texts scored in {} split(s) removed", out.texts.size(),
               out.scored_duplicates, out.scored_specs.size());
  return out;
}

}  // namespace guardian::train

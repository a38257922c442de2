#include "infer/explain.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/error.h"
#include "text/normalize.h"

namespace guardian::infer {

namespace {

double log_odds(double p) {
  const double q = std::clamp(p, 1e-12, 1.0 - 1e-12);
  return std::log(q / (1.0 - q));
}

}  // namespace

Occlusion occlude(const std::string& text) {
  const auto aligned = text::normalize_aligned(text, /*lossy=*/false);
  Occlusion occlusion;
  occlusion.text = aligned.text;
  const std::string& t = occlusion.text;  // normalised: single spaces between words, none around
  size_t begin = 0;
  while (begin < t.size() && occlusion.words.size() < kMaxExplainedWords) {
    size_t end = t.find(' ', begin);
    if (end == std::string::npos) end = t.size();
    occlusion.words.push_back(aligned.source_range(begin, end));
    // The word and the space after it (the one before it, for the last word).
    const size_t cut_begin = end == t.size() && begin > 0 ? begin - 1 : begin;
    const size_t cut_end = end == t.size() ? end : end + 1;
    occlusion.variants.push_back(t.substr(0, cut_begin) + t.substr(cut_end));
    begin = end + 1;
  }
  return occlusion;
}

std::vector<CategoryExplanation> explain_logits(const std::string& text, const Occlusion& occlusion,
                                                const models::CategoryLogits& whole,
                                                std::span<const models::CategoryLogits> without,
                                                const policy::Policy& policy, size_t top) {
  if (without.size() != occlusion.words.size()) {
    throw InputError("explain: " + std::to_string(without.size()) + " variant results for " +
                     std::to_string(occlusion.words.size()) + " words");
  }
  // interpret detects the language from the text it is given: the whole message's for every variant.
  const auto with = interpret(whole, policy, occlusion.text);
  std::vector<ModerationResult> left_out;
  left_out.reserve(without.size());
  for (const auto& logits : without) left_out.push_back(interpret(logits, policy, occlusion.text));
  std::vector<CategoryExplanation> out;
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    if (!policy.categories[c].trained) continue;  // its score is noise: nothing to explain
    CategoryExplanation explanation{policy.categories[c].name, {}};
    const double score = log_odds(with.categories[c].score);
    for (size_t w = 0; w < occlusion.words.size(); ++w) {
      const auto [begin, end] = occlusion.words[w];
      explanation.words.push_back({text.substr(begin, end - begin), begin, score - log_odds(left_out[w].categories[c].score)});
    }
    std::stable_sort(explanation.words.begin(), explanation.words.end(),
                     [](const WordInfluence& a, const WordInfluence& b) { return std::abs(a.influence) > std::abs(b.influence); });
    if (explanation.words.size() > top) explanation.words.resize(top);
    out.push_back(std::move(explanation));
  }
  return out;
}

std::vector<std::vector<CategoryExplanation>> explain(const models::Model& model, const std::vector<std::string>& texts,
                                                      size_t top) {
  if (top < 1 || top > kMaxExplanationTop) {
    throw InputError("explain: the number of words to list must be in [1, " + std::to_string(kMaxExplanationTop) +
                     "], not " + std::to_string(top));
  }
  std::vector<std::vector<CategoryExplanation>> out(texts.size());
  // Several messages' variants go to the model together (a batch of a few hundred texts): one
  // message's few words alone would leave a batched forward pass mostly idle.
  constexpr size_t kBatch = 256;
  size_t first = 0;  // the first message not explained yet
  while (first < texts.size()) {
    std::vector<Occlusion> occlusions;
    std::vector<std::string> batch;
    size_t last = first;
    while (last < texts.size() && (batch.empty() || batch.size() < kBatch)) {
      occlusions.push_back(occlude(texts[last++]));
      batch.push_back(occlusions.back().text);
      batch.insert(batch.end(), occlusions.back().variants.begin(), occlusions.back().variants.end());
    }
    const auto logits = model.score(batch);
    size_t row = 0;  // each message's logits, then its variants'
    for (size_t k = 0; k < occlusions.size(); ++k) {
      const size_t words = occlusions[k].variants.size();
      out[first + k] = explain_logits(texts[first + k], occlusions[k], logits[row],
                                      std::span(logits).subspan(row + 1, words), model.policy(), top);
      row += 1 + words;
    }
    first = last;
  }
  return out;
}

nlohmann::json to_json(const std::vector<CategoryExplanation>& explanation) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& category : explanation) {
    nlohmann::json words = nlohmann::json::array();
    for (const auto& w : category.words) {
      words.push_back({{"word", w.word}, {"offset", w.offset}, {"influence", w.influence}});
    }
    out[category.name] = std::move(words);
  }
  return out;
}

std::string strongest_push(const std::vector<CategoryExplanation>& explanation, const std::string& category) {
  for (const auto& c : explanation) {
    if (c.name != category) continue;
    const WordInfluence* best = nullptr;
    for (const auto& w : c.words) {
      if (w.influence > 0 && (!best || w.influence > best->influence)) best = &w;
    }
    return best ? best->word : "";
  }
  return "";
}

std::string FlagWords::key(const std::string& word) {
  auto kept = [](unsigned char ch) { return ch >= 0x80 || std::isalnum(ch) || ch == '#' || ch == '@'; };
  size_t begin = 0, end = word.size();
  while (begin < end && !kept(static_cast<unsigned char>(word[begin]))) ++begin;
  while (end > begin && !kept(static_cast<unsigned char>(word[end - 1]))) --end;
  std::string k = word.substr(begin, end - begin);
  for (auto& ch : k) {
    if (static_cast<unsigned char>(ch) < 0x80) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return k.empty() ? word : k;  // a word of punctuation only stays itself
}

void FlagWords::add(const std::string& word, std::optional<bool> toxic) {
  if (word.empty()) return;
  const auto k = key(word);
  auto& entry = entries_[k];
  entry.word = k;
  ++entry.flags;
  if (toxic == false) ++entry.false_flags;
}

std::vector<FlagWords::Entry> FlagWords::top(size_t n) const {
  std::vector<Entry> all;
  for (const auto& [k, entry] : entries_) all.push_back(entry);
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    if (a.false_flags != b.false_flags) return a.false_flags > b.false_flags;
    if (a.flags != b.flags) return a.flags > b.flags;
    return a.word < b.word;
  });
  if (all.size() > n) all.resize(n);
  return all;
}

nlohmann::json FlagWords::to_json(size_t n, bool labelled) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : top(n)) {
    out.push_back({{"word", e.word}, {"flags", e.flags}});
    if (labelled) out.back()["false_flags"] = e.false_flags;
  }
  return out;
}

}  // namespace guardian::infer

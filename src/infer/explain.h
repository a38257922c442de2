// Which words moved each category's score: every word of a message is left out in turn and the
// message scored again (occlusion). It asks the model for scores only, so it explains every model
// kind the same way (n-gram, encoder, ensemble, cascade) and measures what the model does,
// interactions between words included; it costs one forward pass per word.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "policy/policy.h"
#include "infer/moderation.h"

namespace guardian::infer {

// The words left out in turn: the first ones of a longer message (a model reads its first tokens
// only, and the cost grows with every word).
inline constexpr size_t kMaxExplainedWords = 64;
// The most words an explanation lists per category.
inline constexpr size_t kMaxExplanationTop = 32;

// A message's words (runs of non-space characters after text::normalize: an English word with
// its punctuation, a hashtag, a Korean eojeol) and, for each, the normalised message without it.
// InputError for text that is not valid UTF-8.
struct Occlusion {
  std::string text;                              // the message, normalised (what the model reads)
  std::vector<std::pair<size_t, size_t>> words;  // each word's bytes [begin, end) in the message as given
  std::vector<std::string> variants;             // text without words[i] and one space beside it
};
Occlusion occlude(const std::string& text);

struct WordInfluence {
  std::string word;        // as it is in the message
  size_t offset = 0;       // its first byte in the message as given
  double influence = 0.0;  // log-odds of P(level >= 1) with the word minus without it: > 0 pushed toward flagging
};

struct CategoryExplanation {
  std::string name;                  // policy category
  std::vector<WordInfluence> words;  // the `top` largest |influence|, largest first
};

// One message's explanation from the logits of its normalised text (whole) and of each variant
// (without[i]: occlusion.variants[i]'s), all interpreted under policy in the message's language, so
// that leaving a word out never switches the language offset. Every trained category of the
// policy, in policy order. InputError when without and the words differ in number.
std::vector<CategoryExplanation> explain_logits(const std::string& text, const Occlusion& occlusion,
                                                const models::CategoryLogits& whole,
                                                std::span<const models::CategoryLogits> without,
                                                const policy::Policy& policy, size_t top);

// Scores each text and its variants with the model under its policy, in one batch per text.
// top in [1, kMaxExplanationTop] (InputError otherwise).
std::vector<std::vector<CategoryExplanation>> explain(const models::Model& model, const std::vector<std::string>& texts,
                                                      size_t top);

// {"insult": [{"word": "idiot", "offset": 12, "influence": 2.31}, ...], ...}
nlohmann::json to_json(const std::vector<CategoryExplanation>& explanation);

// The word that pushed a category's score up the most (positive influence only): "" for none.
std::string strongest_push(const std::vector<CategoryExplanation>& explanation, const std::string& category);

// The words behind the flags that eval and moderate list.
inline constexpr size_t kFlagWordsListed = 15;

// What `eval --explain` and `moderate --stats --explain` tally over messages: for each flagged
// message the word that pushed its deciding category up the most (strongest_push), folded to a key
// (ASCII lower case, punctuation around it trimmed, # and @ kept), counted with whether the flag
// was right when the labels say. A word behind many wrong flags is what a shifted data set shows
// first (TweetEval hate's test split: profanity that its training data labelled hate).
class FlagWords {
 public:
  // toxic: the message's truth, none for unlabelled traffic. An empty word (none pushed) is not counted.
  void add(const std::string& word, std::optional<bool> toxic);
  struct Entry {
    std::string word;
    int64_t flags = 0;        // flagged messages this word pushed most
    int64_t false_flags = 0;  // of which the labels say clean
  };
  // The n words behind the most false flags (then the most flags, then the word).
  std::vector<Entry> top(size_t n) const;
  // top(n) as [{"word", "flags", "false_flags"}], without false_flags for unlabelled messages.
  nlohmann::json to_json(size_t n, bool labelled) const;
  static std::string key(const std::string& word);

 private:
  std::map<std::string, Entry> entries_;
};

}  // namespace guardian::infer

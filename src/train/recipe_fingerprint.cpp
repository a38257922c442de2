#include "train/recipe_fingerprint.h"

#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace guardian::train {

namespace {

nlohmann::json ngram_settings(const NgramConfig& n) {
  nlohmann::json settings = {{"features", {n.buckets_log2, n.word_ngrams, n.char_min, n.char_max, n.despaced_max,
                                           n.choseong, n.norm_per_family}},
                             {"nb", {n.nb_scale, n.nb_alpha}},
                             {"bag", {n.dim, n.embedding_dtype, n.pretrained}},
                             {"schedule", {n.epochs, n.lr, n.l2}}};
  // Only when on, so that the members trained before it keep their fingerprints.
  if (n.squeeze) settings["features"].push_back("squeeze");
  if (n.leet) settings["features"].push_back("leet");
  if (n.jamo) settings["features"].push_back("jamo");
  return settings;
}

// The encoder's fields and their order are those of the checkpoints written so far: a change here
// would make every saved checkpoint start over.
nlohmann::json encoder_settings(const TrainConfig& c) {
  return {{"tokenizer", {c.tokenizer.vocab_size, c.tokenizer.max_sentences}},
          {"model", {c.model.hidden_size, c.model.num_hidden_layers, c.model.num_attention_heads,
                     c.model.intermediate_size, c.model.dropout, c.model.max_length, c.model.pooling}},
          {"optim", {c.optim.epochs, c.optim.batch_size, c.optim.lr, c.optim.weight_decay, c.optim.warmup,
                     c.optim.clip, c.optim.class_weighting, c.optim.patience, c.optim.eval_every}}};
}

}  // namespace

std::string recipe_fingerprint(const TrainConfig& c, int seed) {
  nlohmann::json j = {{"policy", c.policy}, {"train", c.data.train}, {"valid", c.data.valid}, {"seed", seed}};
  if (!c.optim.augment.empty()) j["augment"] = c.optim.augment;  // absent: older fingerprints stay valid
  if (c.model.kind == "ngram") {
    j["kind"] = "ngram";
    j["ngram"] = ngram_settings(c.ngram);
    j["class_weighting"] = c.optim.class_weighting;
  } else {
    j.update(encoder_settings(c));
    if (!c.model.pretrained.empty()) j["pretrained"] = c.model.pretrained;  // absent: older fingerprints stay valid
  }
  std::ostringstream hex;
  hex << std::hex << std::hash<std::string>{}(j.dump());
  return hex.str();
}

}  // namespace guardian::train

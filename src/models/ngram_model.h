// The "ngram" model kind: hashed word and character n-grams (TF-IDF weighted) with one softmax head
// per policy category, either linear over the features (dim = 0: logistic regression on TF-IDF) or
// through a dense embedding bag of `dim` units (dim > 0: the fastText design, whose low-rank
// bottleneck shares strength between related n-grams). Microseconds per message, no torch.
#pragma once

#include <filesystem>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "models/ngram_features.h"

namespace guardian::models {

// The feature options as saved in a model's config.json (and recorded by `pretrain --bag`).
nlohmann::json ngram_features_to_json(const NgramFeatureOptions& f);

struct NgramSpec {
  NgramFeatureOptions features;   // what is hashed
  std::vector<int> levels;        // levels of each head, policy order
  int dim = 0;                    // embedding-bag width; 0 = linear over the features
  // How the bag's embedding is stored and served: "f32", or "bf16" (half the bytes on disk and
  // in memory; each row widened to float as it is summed, the sums in float).
  std::string embedding_dtype = "f32";
  int outputs() const;            // sum of levels
};

// The parameters. Linear (dim 0): logits = bias + sum over features x_f * weight[f, :].
// Embedding bag (dim > 0): hidden = sum over features x_f * embedding[f, :]; logits = bias + hidden * weight.
struct NgramWeights {
  int dim = 0;                   // 0 = linear
  std::vector<float> idf;        // [buckets]
  std::vector<float> embedding;  // [buckets, dim], row-major; empty when linear or held in bf16
  // The same in bf16, when the spec stores it so (then embedding is empty): a view of the loaded
  // file's bytes, which embedding_bf16_owner keeps alive (no copy of a few hundred MB per load).
  std::span<const uint16_t> embedding_bf16;
  std::shared_ptr<const void> embedding_bf16_owner;
  std::vector<float> weight;     // linear: [buckets, outputs]; bag: [dim, outputs]; row-major
  std::vector<float> bias;       // [outputs]

  // out[outputs] = logits of one featurised text.
  void logits(const Features& features, int outputs, float* out) const;
};

nlohmann::json ngram_spec_to_json(const NgramSpec& spec);
NgramSpec ngram_spec_from_json(const nlohmann::json& config, const std::filesystem::path& where);

// Writes config.json, model.safetensors and policy.toml into dir (each atomically).
void save_ngram_model(const std::filesystem::path& dir, const NgramSpec& spec, const NgramWeights& weights,
                      const policy::Policy& policy);

class NgramModel : public Model {
 public:
  static std::unique_ptr<NgramModel> load(const std::filesystem::path& dir);
  std::vector<CategoryLogits> score(const std::vector<std::string>& texts) const override;
  std::string kind() const override { return "ngram"; }

 private:
  NgramModel(NgramSpec spec) : spec_(spec), featurizer_(spec.features) {}
  NgramSpec spec_;
  NgramFeaturizer featurizer_;
  NgramWeights weights_;
};

}  // namespace guardian::models

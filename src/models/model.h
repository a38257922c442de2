// A trained moderation model as the apps, the evaluator and the server see it: texts in,
// per-category level logits out. No torch in this header; each model kind implements it, and
// load_model() picks the kind from the model directory's config.json ("guardian.kind") in the
// registry of kinds (model_kinds()).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace guardian::models {

using CategoryLogits = std::vector<std::vector<float>>;  // [category][level], policy order

class Model {
 public:
  virtual ~Model() = default;
  // texts are normalised already (text::normalize). One entry per text, in order. The weights are
  // shared and read-only, and each call keeps its working state to itself: several threads may
  // score with one model at once, and each gets what it would have got alone.
  virtual std::vector<CategoryLogits> score(const std::vector<std::string>& texts) const = 0;
  virtual std::string kind() const = 0;
  // The policy the model was trained for, with the thresholds and temperatures calibrated so far.
  const policy::Policy& policy() const { return policy_; }
  void set_policy(policy::Policy policy);  // must keep the same categories and levels
  const std::filesystem::path& dir() const { return dir_; }
  // A stable identifier for reports and APIs: "<dir name>@<weights hash prefix>".
  const std::string& id() const { return id_; }

 protected:
  policy::Policy policy_;
  std::filesystem::path dir_;
  std::string id_;
};

// Loads any model kind guardian writes. Errors name the directory and the file at fault.
std::unique_ptr<Model> load_model(const std::filesystem::path& dir);

// The registry of model kinds: config.json's "guardian.kind" -> the loader of that kind (a
// directory without one is an "encoder", as the first guardian wrote them). A new kind is one
// entry here and a file of its own.
using ModelLoader = std::unique_ptr<Model> (*)(const std::filesystem::path& dir);
const std::map<std::string, ModelLoader>& model_kinds();

// softmax(logits / temperature) per category: [category][level], for a message in `language`
// ("ko", "en", "unknown": data::language_code of data::detect_language): the category's
// language_offset is taken from the harmless level's logit, which multiplies the odds of
// P(level >= 1) by exp(offset) and leaves the levels above it in the same proportions.
std::vector<std::vector<double>> to_probabilities(const CategoryLogits& logits, const policy::Policy& policy,
                                                  const std::string& language);

// Sets the number of intra-op threads for the whole process (0 = one per core). Call once.
void configure_threads(int threads = 0);

}  // namespace guardian::models

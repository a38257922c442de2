// The "ensemble" model kind: several trained models of the same policy (members/<name>/, each a
// whole model directory) whose per-category log-probabilities are combined as
//   logits[c] = sum_m weight[c][m] * log_softmax(member_m logits[c]) + bias[c]
// with the weights and level biases fitted on validation data (train/ensemble_trainer.h).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"

namespace guardian::models {

inline constexpr const char* kMembersDir = "members";

struct EnsembleSpec {
  std::vector<std::string> members;          // names of the member directories, in order
  std::vector<std::vector<float>> weights;   // [category][member]
  std::vector<std::vector<float>> bias;      // [category][level]
  // The two-stage cascade: when gate >= 0, member `gate` scores every message first, and a message
  // whose gate score (the largest P(level >= 1) over the deciding categories) is below gate_threshold is
  // clearly clean: it keeps the gate's scores and skips the other members.
  int gate = -1;
  float gate_threshold = 0.0f;
};

// The gate score of one message's log-probabilities: max of P(level >= 1) over the categories
// that decide (counted[c]; General-like scores that never flag are left out).
float gate_score(const CategoryLogits& log_probs, const std::vector<bool>& counted);

// counted[c] = policy.categories[c].decides.
std::vector<bool> deciding_categories(const policy::Policy& policy);

nlohmann::json ensemble_spec_to_json(const EnsembleSpec& spec);
EnsembleSpec ensemble_spec_from_json(const nlohmann::json& config, const std::filesystem::path& where);

// Per category: log-probabilities (log_softmax of the logits at temperature 1), [category][level].
CategoryLogits log_softmax(const CategoryLogits& logits);

// Combines members' log-probabilities of one text: [member][category][level] -> [category][level].
CategoryLogits combine(const EnsembleSpec& spec, const std::vector<CategoryLogits>& member_log_probs);

class EnsembleModel : public Model {
 public:
  static std::unique_ptr<EnsembleModel> load(const std::filesystem::path& dir);
  std::vector<CategoryLogits> score(const std::vector<std::string>& texts) const override;
  std::string kind() const override { return "ensemble"; }
  const EnsembleSpec& spec() const { return spec_; }
  // Messages scored so far, and how many of them the cascade's gate let skip the other members.
  size_t scored() const { return scored_.load(); }
  size_t skipped() const { return skipped_.load(); }

 private:
  EnsembleSpec spec_;
  std::vector<std::unique_ptr<Model>> members_;
  mutable std::atomic<size_t> scored_ = 0, skipped_ = 0;  // counters, not state: score() stays const
};

}  // namespace guardian::models

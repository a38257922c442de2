// The drift check over messages moderated without labels (guardian moderate --stats): each
// category's share of the messages at its threshold against the policy's reference share
// (eval/drift.h decides what has drifted).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/evaluator.h"
#include "infer/moderation.h"
#include "policy/policy.h"

namespace guardian::infer {

class DriftCheck {
 public:
  explicit DriftCheck(const policy::Policy& policy);

  // One moderated message (its level probabilities and language).
  void add(const ModerationResult& result);
  size_t size() const { return evaluator_.size(); }

  struct Report {
    // {name: {"flagged_share", "reference_share", "z", "drifted", "reference_stale"}}; the middle
    // three null without a live reference. An untrained category is left out.
    nlohmann::json json;
    // One line per category that drifted or whose reference is stale: what a user reads.
    std::vector<std::string> warnings;
  };
  Report report() const;

 private:
  policy::Policy policy_;
  eval::Evaluator evaluator_;
  std::vector<int> unlabelled_;  // every category's label unknown
};

}  // namespace guardian::infer

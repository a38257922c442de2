#include "infer/drift_check.h"

#include <cmath>
#include <cstdio>

namespace guardian::infer {

DriftCheck::DriftCheck(const policy::Policy& policy)
    : policy_(policy), evaluator_(policy), unlabelled_(policy.categories.size(), data::kUnknownLabel) {}

void DriftCheck::add(const ModerationResult& result) {
  std::vector<std::vector<double>> probs;
  for (const auto& c : result.categories) probs.push_back(c.levels);
  data::Example e;
  e.labels = unlabelled_;
  e.language = data::parse_language(result.language);  // for the reference of the traffic's language mix
  evaluator_.add(e, probs);
}

DriftCheck::Report DriftCheck::report() const {
  Report out;
  out.json = nlohmann::json::object();
  for (const auto& c : evaluator_.report().all.categories) {
    if (!c.trained) continue;  // never learned: its flags are noise
    const bool has_reference = std::isfinite(c.reference_share);
    out.json[c.name] = {{"flagged_share", c.flagged_share},
                        {"reference_share", has_reference ? nlohmann::json(c.reference_share) : nlohmann::json()},
                        {"z", has_reference ? nlohmann::json(c.drift_z) : nlohmann::json()},
                        {"drifted", has_reference ? nlohmann::json(c.drifted) : nlohmann::json()},
                        {"reference_stale", c.reference_stale}};
    char line[640];
    if (c.reference_stale) {
      std::snprintf(line, sizeof line,
                    "drift: %s's reference share was measured at another threshold (edited since): no drift check "
                    "for it (guardian calibrate measures it again)", c.name.c_str());
      out.warnings.emplace_back(line);
    }
    if (c.drifted) {
      std::snprintf(line, sizeof line,
                    "drift: %s reached its threshold on %.3f of these %zu messages against %.3f of its reference "
                    "data (%s; z %+.1f): the threshold does not fit them (guardian calibrate)",
                    c.name.c_str(), c.flagged_share, evaluator_.size(), c.reference_share,
                    policy_.reference_data.c_str(), c.drift_z);
      out.warnings.emplace_back(line);
    }
  }
  return out;
}

}  // namespace guardian::infer

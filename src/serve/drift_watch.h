// The server's drift check: per policy and category, the share of live messages whose score
// reaches the threshold, over consecutive windows of messages, set beside the policy's reference
// share (what the category flagged of the data its threshold was set on; eval/drift.h says when
// the two have parted). A threshold that no longer fits the traffic shows there before any label
// arrives: a warning in the log, gauges on /metrics, the whole state on GET /v1/drift. A drifted
// window also hands back a uniform random sample of its messages' decision ids, for the review
// queue: labelled, they are what `guardian calibrate` needs to set the threshold right again (the
// flagged items alone are no sample of the traffic).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/drift.h"
#include "policy/policy.h"

namespace guardian::serve {

class DriftWatch {
 public:
  // window: messages per window (each policy its own); 0 turns the watch off. review_sample:
  // decision ids drawn uniformly from each drifted window (0: none).
  explicit DriftWatch(int64_t window, int64_t review_sample = 0, uint64_t seed = std::random_device{}())
      : window_(window), review_sample_(review_sample), random_(seed) {}

  // Messages scored under `policy`: scores[i][c] = P(level >= 1) of category c (calibrated), ids[i]
  // their decision ids (may be empty: then nothing is sampled), languages[i] their language codes
  // (may be empty: "unknown"), for the reference a window of that language mix expects
  // (policy::Policy::expected_reference). A policy seen with another version or shape starts
  // afresh (its thresholds moved). Returns the sample of every window these messages closed that
  // drifted in any category (usually none).
  std::vector<std::string> observe(const policy::Policy& policy, const std::vector<std::vector<double>>& scores,
                                   const std::vector<std::string>& ids = {},
                                   const std::vector<std::string>& languages = {});

  // Prometheus text: crossings and messages per policy (counters), and per category with a
  // reference share the reference, the last complete window's share, its z and whether it drifted.
  std::string render() const;
  // {"window": N, "policies": [{"name", "version", "reference_data", "reference_rows", "messages",
  //  "windows", "in_window", "sampled_for_review", "categories": [{"name", "threshold", "reference_share",
  //  "reference_language_share", "reference_stale", "crossings", "window_reference", "window_share", "z",
  //  "drifted"}]}]}; window_reference (the reference for the last window's language mix),
  //  window_share, z and drifted are null before the first complete window, reference_share when the
  //  policy records none.
  nlohmann::json to_json() const;

 private:
  // The category's name, threshold and reference, kept beside its counts for the per-message
  // comparison; the policy itself is in PolicyState.
  struct CategoryState {
    std::string name;
    double threshold = 0.5;
    std::optional<double> reference;  // the policy's reference share (none when stale)
    bool reference_stale = false;     // measured at another threshold than this one
    int64_t in_window = 0;            // crossings in the current window
    int64_t crossings = 0;            // crossings since the policy (this version) was first seen
    std::optional<eval::ShareDrift> last;  // the last complete window against the reference
  };
  struct PolicyState {
    policy::Policy policy;            // as first seen (this version): its reference, for each window
    int64_t messages = 0;             // since first seen
    int64_t in_window = 0;            // messages in the current window
    std::map<std::string, int64_t> window_languages;  // the current window's messages per language
    int64_t windows = 0;              // complete windows
    int64_t sampled = 0;              // decision ids handed out for review
    std::vector<CategoryState> categories;
    std::vector<std::string> reservoir;  // a uniform sample of the current window's decision ids
  };

  PolicyState& state_for(const policy::Policy& policy);
  void keep_in_sample(PolicyState& state, const std::string& id);
  // Judges the window; appends its sample to `sampled` when it drifted.
  void close_window(const std::string& name, PolicyState& state, std::vector<std::string>& sampled);

  int64_t window_;
  int64_t review_sample_;
  std::mt19937_64 random_;
  mutable std::mutex mutex_;
  std::map<std::string, PolicyState> policies_;  // by policy name
};

}  // namespace guardian::serve

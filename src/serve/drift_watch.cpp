#include "serve/drift_watch.h"

#include <spdlog/spdlog.h>

#include "serve/metrics.h"

namespace guardian::serve {

namespace {

nlohmann::json or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

DriftWatch::PolicyState& DriftWatch::state_for(const policy::Policy& policy) {
  auto& state = policies_[policy.name];
  bool same = state.policy.version == policy.version && state.categories.size() == policy.categories.size() &&
              state.policy.reference_rows == policy.reference_rows &&
              state.policy.reference_language_rows == policy.reference_language_rows;
  for (size_t c = 0; same && c < policy.categories.size(); ++c) {
    same = state.categories[c].name == policy.categories[c].name &&
           state.categories[c].threshold == policy.categories[c].threshold &&
           state.categories[c].reference == policy.categories[c].live_reference() &&
           state.policy.categories[c].reference_language_share == policy.categories[c].reference_language_share &&
           state.categories[c].reference_stale == policy.categories[c].stale_reference();
  }
  if (same) return state;
  state = PolicyState{};
  state.policy = policy;
  for (const auto& category : policy.categories) {
    CategoryState c;
    c.name = category.name;
    c.threshold = category.threshold;
    c.reference = category.live_reference();
    c.reference_stale = category.stale_reference();
    if (c.reference_stale) {
      spdlog::warn("drift: policy '{}' category '{}' has threshold {:.4f} but its reference share was measured at {:.4f}: "
                   "no drift check for it until `guardian calibrate` measures the reference again",
                   policy.name, category.name, category.threshold, *category.reference_threshold);
    }
    state.categories.push_back(std::move(c));
  }
  return state;
}

// Reservoir sampling (Algorithm R): after n ids, each is in the sample with probability k / n.
void DriftWatch::keep_in_sample(PolicyState& state, const std::string& id) {
  if (review_sample_ <= 0 || id.empty()) return;
  if (static_cast<int64_t>(state.reservoir.size()) < review_sample_) {
    state.reservoir.push_back(id);
    return;
  }
  std::uniform_int_distribution<int64_t> slot(0, state.in_window - 1);  // in_window counts this message
  if (const int64_t j = slot(random_); j < review_sample_) state.reservoir[static_cast<size_t>(j)] = id;
}

void DriftWatch::close_window(const std::string& name, PolicyState& state, std::vector<std::string>& sampled) {
  ++state.windows;
  bool drifted = false;
  for (size_t i = 0; i < state.categories.size(); ++i) {
    auto& c = state.categories[i];
    // The reference this window's language mix expects (the policy's share when it records none
    // per language).
    if (const auto expected = state.policy.expected_reference(i, state.window_languages)) {
      c.last = eval::compare_shares(expected->share, expected->rows, c.in_window, state.in_window);
      if (c.last->drifted) {
        drifted = true;
        spdlog::warn("drift: policy '{}' category '{}' reached its threshold {:.4f} on {:.3f} of the last {} messages, "
                     "against {:.3f} of its reference data ({}; z {:+.1f}): the threshold no longer fits this traffic "
                     "(label a sample and `guardian calibrate` on it; `--target share` restores the old rate "
                     "without labels, right only if the harm is as common as before)",
                     name, c.name, c.threshold, c.last->observed, state.in_window, expected->share, state.policy.reference_data,
                     c.last->z);
      }
    }
    c.in_window = 0;
  }
  if (drifted && !state.reservoir.empty()) {
    spdlog::warn("drift: {} messages drawn at random from that window of policy '{}' are in the review queue "
                 "(reason \"drift\"); once labelled, `guardian feedback export --reason drift` gives the data "
                 "to calibrate on",
                 state.reservoir.size(), name);
    state.sampled += static_cast<int64_t>(state.reservoir.size());
    sampled.insert(sampled.end(), state.reservoir.begin(), state.reservoir.end());
  }
  state.reservoir.clear();
  state.in_window = 0;
  state.window_languages.clear();
}

std::vector<std::string> DriftWatch::observe(const policy::Policy& policy,
                                             const std::vector<std::vector<double>>& scores,
                                             const std::vector<std::string>& ids,
                                             const std::vector<std::string>& languages) {
  std::vector<std::string> sampled;
  if (window_ <= 0) return sampled;
  std::lock_guard lock(mutex_);
  auto& state = state_for(policy);
  for (size_t i = 0; i < scores.size(); ++i) {
    const auto& row = scores[i];
    for (size_t c = 0; c < state.categories.size() && c < row.size(); ++c) {
      if (row[c] >= state.categories[c].threshold) {
        ++state.categories[c].in_window;
        ++state.categories[c].crossings;
      }
    }
    ++state.messages;
    ++state.in_window;
    ++state.window_languages[i < languages.size() ? languages[i] : "unknown"];
    if (i < ids.size()) keep_in_sample(state, ids[i]);
    if (state.in_window == window_) close_window(policy.name, state, sampled);
  }
  return sampled;
}

std::string DriftWatch::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  if (window_ <= 0) return out;
  auto series = [&](const char* name, const char* type, const char* help, auto&& each) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [policy, state] : policies_) each(name, prometheus_label(policy), state);
  };
  auto labels = [](const std::string& policy, const CategoryState& c) {
    return "{policy=\"" + policy + "\",category=\"" + prometheus_label(c.name) + "\"}";
  };
  series("guardian_policy_inputs_total", "counter", "Messages scored under each policy (this version of it).",
         [&](const char* name, const std::string& policy, const PolicyState& s) {
           out += std::string(name) + "{policy=\"" + policy + "\"} " + std::to_string(s.messages) + "\n";
         });
  series("guardian_threshold_crossings_total", "counter",
         "Messages whose category score reached its threshold (flagged or not), by policy and category.",
         [&](const char* name, const std::string& policy, const PolicyState& s) {
           for (size_t i = 0; i < s.categories.size(); ++i) {
             const auto& c = s.categories[i];
             if (s.policy.categories[i].trained) out += name + labels(policy, c) + " " + std::to_string(c.crossings) + "\n";
           }
         });
  series("guardian_reference_share", "gauge",
         "The drift baseline: the share of the policy's reference data the category flagged at its threshold, "
         "for the last complete window's language mix.",
         [&](const char* name, const std::string& policy, const PolicyState& s) {
           for (const auto& c : s.categories) {
             if (!c.reference) continue;
             out += name + labels(policy, c) + " " + prometheus_number(c.last ? c.last->reference : *c.reference) + "\n";
           }
         });
  series("guardian_window_share", "gauge",
         "The share of the last complete window of messages whose category score reached its threshold.",
         [&](const char* name, const std::string& policy, const PolicyState& s) {
           for (const auto& c : s.categories)
             if (c.last) out += name + labels(policy, c) + " " + prometheus_number(c.last->observed) + "\n";
         });
  series("guardian_drift_z", "gauge", "Two-proportion z of the last window's share against the reference share.",
         [&](const char* name, const std::string& policy, const PolicyState& s) {
           for (const auto& c : s.categories)
             if (c.last) out += name + labels(policy, c) + " " + prometheus_number(c.last->z) + "\n";
         });
  series("guardian_drift", "gauge",
         "1 when the last window's share parted from the reference share beyond noise and by enough to matter.",
         [&](const char* name, const std::string& policy, const PolicyState& s) {
           for (const auto& c : s.categories)
             if (c.last) out += name + labels(policy, c) + " " + (c.last->drifted ? "1" : "0") + "\n";
         });
  return out;
}

nlohmann::json DriftWatch::to_json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& [name, s] : policies_) {
    nlohmann::json categories = nlohmann::json::array();
    for (size_t i = 0; i < s.categories.size(); ++i) {
      const auto& c = s.categories[i];
      if (!s.policy.categories[i].trained) continue;  // its flags are noise
      categories.push_back({{"name", c.name},
                            {"threshold", c.threshold},
                            {"reference_share", or_null(c.reference)},
                            {"reference_language_share", s.policy.categories[i].reference_language_share},
                            {"reference_stale", c.reference_stale},
                            {"crossings", c.crossings},
                            {"window_reference", c.last ? nlohmann::json(c.last->reference) : nlohmann::json()},
                            {"window_share", c.last ? nlohmann::json(c.last->observed) : nlohmann::json()},
                            {"z", c.last ? nlohmann::json(c.last->z) : nlohmann::json()},
                            {"drifted", c.last ? nlohmann::json(c.last->drifted) : nlohmann::json()}});
    }
    policies.push_back({{"name", name},
                        {"version", s.policy.version},
                        {"reference_data", s.policy.reference_data},
                        {"reference_rows", s.policy.reference_rows},
                        {"messages", s.messages},
                        {"windows", s.windows},
                        {"in_window", s.in_window},
                        {"sampled_for_review", s.sampled},
                        {"categories", std::move(categories)}});
  }
  return {{"window", window_}, {"review_sample", review_sample_}, {"policies", std::move(policies)}};
}

}  // namespace guardian::serve

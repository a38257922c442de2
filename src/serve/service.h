// The moderation service behind `guardian serve`, independent of any HTTP library: a request
// (method, route, headers that matter, body) in, a status and a JSON body out. It owns the engine,
// the policies, the API keys, the limits, the audit log and the metrics. handle() never throws.
//
//   POST /v1/moderations   OpenAI-compatible: {input: string | [string], model?} ->
//                          {id, model, results: [{flagged, categories, category_scores}]}
//   POST /v1/classify      guardian's full answer per input (levels, General, decision, rule)
//   POST /v1/guard         501 until the generative guardian exists
//   GET  /healthz /readyz  unauthenticated liveness and readiness
//   GET  /metrics          Prometheus text
//   GET  /v1/review        the review queue (?status=open|resolved|all&reason=flagged|low_confidence|drift|random&limit=&after=
//                          &explain=true|N: the words behind each item's scores)
//   GET  /v1/decisions/ID  one audited decision
//   POST /v1/feedback      {id | text, labels: {category: level}, reviewer?, note?}
//   POST /v1/admin/reload  reload model and policies (admin key)
//   GET  /v1/drift         the drift check: each policy's categories, live share against reference
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api_keys.h"
#include "api/api_request.h"
#include "serve/audit_log.h"
#include "serve/drift_watch.h"
#include "serve/engine.h"
#include "serve/metrics.h"
#include "serve/serve_config.h"

namespace guardian::serve {

class Service {
 public:
  // Loads the model and policies and opens the audit log; errors name what failed.
  Service(std::filesystem::path model_dir, std::vector<std::filesystem::path> policy_files, ServeConfig config);
  ~Service();

  api::ApiResponse handle(const api::ApiRequest& request) noexcept;
  // Loads model and policies afresh and swaps them in; in-flight requests finish on the old ones.
  // On failure the old deployment stays and the error is thrown.
  void reload();
  // Takes no new work, finishes queued scoring and audit writes.
  void shutdown();

  const ServeConfig& config() const { return config_; }
  Metrics& metrics() { return metrics_; }
  std::shared_ptr<const Deployment> deployment() const { return engine_->deployment(); }

 private:
  struct Caller {
    std::optional<api::ApiKey> key;                 // nullopt when authentication is off
  };
  api::ApiResponse route(const api::ApiRequest& request, std::string& route_label);
  api::ApiResponse score(const api::ApiRequest& request, const Caller& caller, bool openai);
  api::ApiResponse review(const api::ApiRequest& request);
  // Adds "explanation" (the words behind each category's score, scored now) and "explained_by" to
  // each review item whose text is kept.
  void explain_review_items(nlohmann::json& items, int top);
  api::ApiResponse decision(const std::string& id);
  api::ApiResponse feedback(const api::ApiRequest& request, const Caller& caller);
  api::ApiResponse admin_reload(const Caller& caller);
  api::ApiResponse readyz();
  std::string new_request_id();
  // Each of ids with probability config_.audit.review_random, independently of its scores.
  std::vector<std::string> random_review_sample(const std::vector<std::string>& ids);

  std::filesystem::path model_dir_;
  std::vector<std::filesystem::path> policy_files_;
  ServeConfig config_;
  api::ApiKeys keys_;
  Metrics metrics_;
  DriftWatch drift_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Engine> engine_;
  std::mutex reload_mutex_;
  std::mutex sample_mutex_;  // guards sample_rng_ (requests are scored concurrently)
  std::mt19937_64 sample_rng_{std::random_device{}()};
  std::atomic<bool> draining_{false};
};

}  // namespace guardian::serve

#include "serve/service.h"

#include <chrono>
#include <random>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "infer/moderation.h"
#include "text/normalize.h"

namespace guardian::serve {

Service::Service(std::filesystem::path model_dir, std::vector<std::filesystem::path> policy_files, ServeConfig config)
    : model_dir_(std::move(model_dir)),
      policy_files_(std::move(policy_files)),
      config_(std::move(config)),
      drift_(config_.drift_window, config_.audit.path.empty() ? 0 : config_.drift_review_sample) {
  keys_ = api::ApiKeys::from_config(config_.keys_file, config_.keys_from_environment);
  auto deployment = load_deployment(model_dir_, policy_files_);
  for (const auto& key : keys_.keys()) {
    if (!key.policy.empty() && !deployment->find(key.policy)) {
      throw ConfigError("API key " + key.name + " is bound to policy '" + key.policy + "', which is not loaded (" +
                        policy_names(*deployment) + ")");
    }
  }
  if (!config_.audit.path.empty()) audit_ = std::make_unique<AuditLog>(config_.audit);
  metrics_.set_info("model=\"" + deployment->model->id() + "\",kind=\"" + deployment->model->kind() + "\"");
  engine_ = std::make_unique<Engine>(std::move(deployment), config_.batching, [this](size_t n) { metrics_.batch(n); });
  metrics_.gauge("guardian_queue_depth", "Texts waiting to be scored.",
                 [this] { return static_cast<double>(engine_->queue_depth()); });
  if (audit_) {
    metrics_.gauge("guardian_audit_pending", "Decisions queued for the audit log, not yet committed.",
                   [this] { return static_cast<double>(audit_->pending()); });
    metrics_.gauge("guardian_audit_written", "Decisions committed to the audit log since start.",
                   [this] { return static_cast<double>(audit_->written()); });
  }
}

Service::~Service() { shutdown(); }

void Service::shutdown() {
  draining_ = true;
  if (engine_) engine_->stop();
  if (audit_) audit_->stop();
}

void Service::reload() {
  std::lock_guard lock(reload_mutex_);
  try {
    auto deployment = load_deployment(model_dir_, policy_files_);
    for (const auto& key : keys_.keys()) {
      if (!key.policy.empty() && !deployment->find(key.policy)) {
        throw ConfigError("API key " + key.name + " is bound to policy '" + key.policy + "', which the reload drops");
      }
    }
    metrics_.set_info("model=\"" + deployment->model->id() + "\",kind=\"" + deployment->model->kind() + "\"");
    spdlog::info("reloaded model {} with policies {}", deployment->model->id(), policy_names(*deployment));
    engine_->set_deployment(std::move(deployment));
    metrics_.reload(true);
  } catch (...) {
    metrics_.reload(false);
    throw;
  }
}

std::string Service::new_request_id() {
  thread_local std::mt19937_64 rng(std::random_device{}() ^ std::hash<std::thread::id>{}(std::this_thread::get_id()));
  static const char* kHex = "0123456789abcdef";
  std::string id = "modr-";
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int j = 0; j < 12; ++j, v >>= 4) id.push_back(kHex[v & 0xf]);
  }
  return id;
}

api::ApiResponse Service::handle(const api::ApiRequest& request) noexcept {
  const auto started = std::chrono::steady_clock::now();
  std::string label = "other";
  api::ApiResponse response;
  try {
    response = route(request, label);
  } catch (const api::RequestError& e) {
    response = api::error_response(e.status, e.message, e.param);
  } catch (const OverloadedError& e) {
    response = api::error_response(503, e.what());
    response.headers.emplace_back("Retry-After", "1");
  } catch (const StoppedError& e) {
    response = api::error_response(503, e.what());
    response.headers.emplace_back("Retry-After", "5");
  } catch (const InputError& e) {
    response = api::error_response(400, e.what());
  } catch (const Error& e) {
    spdlog::error("{} {}: {}", request.method, request.path, e.what());
    response = api::error_response(500, e.what());
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unexpected error: {}", request.method, request.path, e.what());
    response = api::error_response(500, std::string("internal error: ") + e.what());
  } catch (...) {
    response = api::error_response(500, "internal error");
  }
  try {
    metrics_.request(label, response.status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } catch (...) {
    // metrics must never fail a request
  }
  return response;
}

api::ApiResponse Service::route(const api::ApiRequest& request, std::string& label) {
  const auto& path = request.path;
  const auto& method = request.method;
  static const std::vector<std::pair<std::string, std::string>> kRoutes = {
      {"/healthz", "GET"}, {"/readyz", "GET"}, {"/metrics", "GET"}, {"/v1/moderations", "POST"},
      {"/v1/classify", "POST"}, {"/v1/guard", "POST"}, {"/v1/review", "GET"}, {"/v1/feedback", "POST"},
      {"/v1/admin/reload", "POST"}, {"/v1/decisions/", "GET"}, {"/v1/drift", "GET"}};
  const std::pair<std::string, std::string>* match = nullptr;
  for (const auto& r : kRoutes) {
    if (path == r.first || (r.first.back() == '/' && path.size() > r.first.size() && path.rfind(r.first, 0) == 0)) {
      match = &r;
    }
  }
  if (!match) return api::error_response(404, "no route " + path);
  label = match->first == "/v1/decisions/" ? "/v1/decisions/{id}" : match->first;
  if (method != match->second) return api::error_response(405, path + " takes " + match->second + ", not " + method);
  if (path == "/healthz") return api::json_response(200, {{"status", "ok"}});
  if (path == "/readyz") return readyz();

  Caller caller;
  if (keys_.enabled()) {
    if (request.api_key.empty()) {
      auto r = api::error_response(401, "missing API key: send 'Authorization: Bearer <key>'");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    caller.key = keys_.find(request.api_key);
    if (!caller.key) {
      auto r = api::error_response(401, "invalid API key");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  if (path == "/metrics") {
    api::ApiResponse r;
    r.body = metrics_.render() + drift_.render();
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (path == "/v1/moderations") return score(request, caller, true);
  if (path == "/v1/classify") return score(request, caller, false);
  if (path == "/v1/guard") {
    return api::error_response(501, "/v1/guard is reserved for the generative guardian model, which this server does not "
                               "serve yet; use /v1/moderations or /v1/classify");
  }
  if (path == "/v1/review") return review(request);
  if (path == "/v1/feedback") return feedback(request, caller);
  if (path == "/v1/admin/reload") return admin_reload(caller);
  if (path == "/v1/drift") return api::json_response(200, drift_.to_json());
  return decision(path.substr(std::string("/v1/decisions/").size()));
}

api::ApiResponse Service::readyz() {
  auto deployment = engine_->deployment();
  if (draining_ || !deployment) return api::error_response(503, draining_ ? "shutting down" : "no model loaded");
  return api::json_response(200, {{"status", "ready"}, {"model", deployment->model->id()},
                             {"queue_depth", engine_->queue_depth()}});
}

api::ApiResponse Service::admin_reload(const Caller& caller) {
  if (caller.key && !caller.key->admin) throw api::RequestError{403, "this API key may not call admin routes", ""};
  try {
    reload();
  } catch (const std::exception& e) {
    throw api::RequestError{500, std::string("reload failed; still serving the previous model: ") + e.what(), ""};
  }
  auto deployment = engine_->deployment();
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& [name, p] : deployment->policies) policies.push_back({{"name", name}, {"version", p.version}});
  return api::json_response(200, {{"reloaded", true}, {"model", deployment->model->id()}, {"policies", policies}});
}

}  // namespace guardian::serve

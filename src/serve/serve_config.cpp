#include "serve/serve_config.h"

#include <set>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/fs.h"

namespace guardian::serve {

namespace {

// Reads one table's keys, rejecting those it does not know.
class Table {
 public:
  Table(const toml::table* table, std::string name, std::string where)
      : table_(table), name_(std::move(name)), where_(std::move(where)) {}

  template <typename T>
  void get(const char* key, T& out) {
    known_.insert(key);
    if (!table_) return;
    const auto* node = table_->get(key);
    if (!node) return;
    if constexpr (std::is_same_v<T, bool>) {
      // value<bool>() would also take an integer: 1 is not true here.
      if (node->is_boolean()) { out = *node->value<bool>(); return; }
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = node->value<std::string>()) { out = *v; return; }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto v = node->value<double>()) { out = static_cast<T>(*v); return; }
    } else {
      if (node->is_integer()) {
        const int64_t v = *node->value<int64_t>();
        // A negative count would wrap around to a huge limit.
        if (std::is_unsigned_v<T> && v < 0) throw ConfigError(where_ + ": [" + name_ + "] " + key + " must be >= 0");
        out = static_cast<T>(v);
        return;
      }
    }
    throw ConfigError(where_ + ": [" + name_ + "] " + key + " has the wrong type");
  }

  void check_unknown() const {
    if (!table_) return;
    for (const auto& [key, _] : *table_) {
      if (!known_.count(std::string(key.str()))) {
        throw ConfigError(where_ + ": unknown key [" + name_ + "] " + std::string(key.str()));
      }
    }
  }

 private:
  const toml::table* table_;
  std::string name_, where_;
  std::set<std::string> known_;
};

}  // namespace

ServeConfig ServeConfig::parse(const std::string& toml_text, const std::string& where) {
  toml::table root;
  try {
    root = toml::parse(toml_text, where);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  static const std::set<std::string> kTables = {"server", "batching", "limits", "auth", "audit", "drift"};
  for (const auto& [key, node] : root) {
    if (!kTables.count(std::string(key.str())) || !node.is_table()) {
      throw ConfigError(where + ": unknown key or table '" + std::string(key.str()) + "'");
    }
  }
  ServeConfig config;
  Table server(root["server"].as_table(), "server", where);
  server.get("host", config.host);
  server.get("port", config.port);
  server.get("threads", config.threads);
  server.check_unknown();
  Table batching(root["batching"].as_table(), "batching", where);
  batching.get("max_batch", config.batching.max_batch);
  batching.get("max_wait_ms", config.batching.max_wait_ms);
  batching.get("queue_capacity", config.batching.queue_capacity);
  batching.check_unknown();
  Table limits(root["limits"].as_table(), "limits", where);
  limits.get("max_body_bytes", config.limits.max_body_bytes);
  limits.get("max_inputs", config.limits.max_inputs);
  limits.get("max_chars", config.limits.max_chars);
  limits.check_unknown();
  Table auth(root["auth"].as_table(), "auth", where);
  auth.get("keys_file", config.keys_file);
  auth.check_unknown();
  Table audit(root["audit"].as_table(), "audit", where);
  audit.get("path", config.audit.path);
  audit.get("store", config.audit.store);
  audit.get("durable", config.audit.durable);
  audit.get("retention_days", config.audit.retention_days);
  audit.get("review_margin", config.audit.review_margin);
  audit.get("review_low_confidence", config.audit.review_low_confidence);
  audit.get("review_random", config.audit.review_random);
  audit.check_unknown();
  Table drift(root["drift"].as_table(), "drift", where);
  drift.get("window", config.drift_window);
  drift.get("review_sample", config.drift_review_sample);
  drift.check_unknown();
  config.validate(where);
  return config;
}

ServeConfig ServeConfig::load(const std::filesystem::path& path) {
  return parse(core::read_file(path), path.string());
}

void ServeConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& what) { throw ConfigError(where + ": " + what); };
  if (port < 0 || port > 65535) fail("[server] port must be 0..65535");
  if (threads < 1 || threads > 4096) fail("[server] threads must be 1..4096");
  if (batching.max_batch < 1 || batching.max_batch > 65536) fail("[batching] max_batch must be 1..65536");
  if (batching.max_wait_ms < 0 || batching.max_wait_ms > 10000) fail("[batching] max_wait_ms must be 0..10000");
  if (batching.queue_capacity < 1) fail("[batching] queue_capacity must be at least 1");
  if (limits.max_body_bytes < 64) fail("[limits] max_body_bytes must be at least 64");
  if (limits.max_inputs < 1) fail("[limits] max_inputs must be at least 1");
  if (limits.max_chars < 1) fail("[limits] max_chars must be at least 1");
  if (audit.store != "text" && audit.store != "hash") fail("[audit] store must be \"text\" or \"hash\"");
  if (audit.retention_days < 0) fail("[audit] retention_days must be >= 0");
  if (audit.review_margin < 0 || audit.review_margin > 1) fail("[audit] review_margin must be 0..1");
  if (!(audit.review_random >= 0 && audit.review_random <= 1)) {
    fail("[audit] review_random must be 0..1 (the share of all decisions queued for review at random)");
  }
  if (audit.review_random > 0 && audit.path.empty()) fail("[audit] review_random needs the audit log: set [audit] path");
  if (drift_window < 0) fail("[drift] window must be >= 0 (0 turns the drift check off)");
  if (drift_review_sample < 0 || (drift_window > 0 && drift_review_sample > drift_window)) {
    fail("[drift] review_sample must be 0..window (messages of a drifted window put up for review)");
  }
}

}  // namespace guardian::serve

#include "serve/serve_config.h"

#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/toml_table.h"

namespace guardian::serve {

ServeConfig ServeConfig::parse(const std::string& toml_text, const std::string& where) {
  const toml::table root = core::parse_toml(toml_text, where);
  const std::set<std::string> tables = {"server", "batching", "limits", "auth", "audit", "drift"};
  core::TomlTable top(&root, where, "");
  top.finish(tables);
  for (const auto& table : tables) {
    if (root.contains(table) && !root[table].is_table()) {
      throw ConfigError(where + ":" + std::to_string(root.get(table)->source().begin.line) + ": '" + table +
                        "' must be a table ([" + table + "])");
    }
  }
  ServeConfig config;
  core::TomlTable server(root["server"].as_table(), where, "server");
  server.get("host", config.host);
  server.get("port", config.port);
  server.get("threads", config.threads);
  server.finish();
  core::TomlTable batching(root["batching"].as_table(), where, "batching");
  batching.get("max_batch", config.batching.max_batch);
  batching.get("max_wait_ms", config.batching.max_wait_ms);
  batching.get("queue_capacity", config.batching.queue_capacity);
  batching.finish();
  core::TomlTable limits(root["limits"].as_table(), where, "limits");
  limits.get("max_body_bytes", config.limits.max_body_bytes);
  limits.get("max_inputs", config.limits.max_inputs);
  limits.get("max_chars", config.limits.max_chars);
  limits.finish();
  core::TomlTable auth(root["auth"].as_table(), where, "auth");
  auth.get("keys_file", config.keys_file);
  auth.finish();
  core::TomlTable audit(root["audit"].as_table(), where, "audit");
  audit.get("path", config.audit.path);
  audit.get("store", config.audit.store);
  audit.get("durable", config.audit.durable);
  audit.get("retention_days", config.audit.retention_days);
  audit.get("review_margin", config.audit.review_margin);
  audit.get("review_low_confidence", config.audit.review_low_confidence);
  audit.get("review_random", config.audit.review_random);
  audit.finish();
  core::TomlTable drift(root["drift"].as_table(), where, "drift");
  drift.get("window", config.drift_window);
  drift.get("review_sample", config.drift_review_sample);
  drift.finish();
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

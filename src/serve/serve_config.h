// `guardian serve` settings: listening address, batching, request limits, API keys and the audit
// log. Read from an optional TOML file (unknown keys are ConfigErrors); command-line flags override.
//
//   [server]   host = "127.0.0.1", port = 8080, threads = 128
//   [batching] max_batch = 64, max_wait_ms = 2.0, queue_capacity = 4096
//   [limits]   max_body_bytes = 1048576, max_inputs = 256, max_chars = 8192
//   [auth]     keys_file = "keys.txt"          # else $GUARDIAN_API_KEYS; neither: no authentication
//   [audit]    path = "audit.db", store = "text" | "hash", durable = true, retention_days = 30,
//              review_margin = 0.1, review_low_confidence = true
//   [drift]    window = 1000                   # messages per window of the drift check (0: off)
//              review_sample = 25              # messages of a drifted window put up for review
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "api/limits_config.h"

namespace guardian::serve {

struct BatchingConfig {
  int max_batch = 64;               // texts per forward pass at most
  double max_wait_ms = 2.0;         // how long the first request of a batch waits for company
  int queue_capacity = 4096;        // texts waiting at most; beyond it requests get 503
};

struct AuditConfig {
  std::string path;                 // SQLite file; empty: no audit log and no review queue
  std::string store = "text";       // "text": keep texts; "hash": keep only their SHA-256
  bool durable = true;              // a decision is committed before its response is sent
  int retention_days = 30;          // texts older than this are purged (0 = keep forever)
  double review_margin = 0.1;       // |score - threshold| within this is low-confidence
  bool review_low_confidence = true;  // low-confidence items go to the review queue too
  // The share of all decisions, drawn at random whatever they scored, queued for review (reason
  // "random"). Flagged and low-confidence items show what the model flags or doubts; only a sample
  // blind to the scores shows what it misses and how common the harm is. 0: none.
  double review_random = 0.0;
};

struct ServeConfig {
  std::string host = "127.0.0.1";   // bind address; loopback unless told otherwise
  int port = 8080;                  // TCP port (0 = any free port, printed at start)
  int threads = 128;                // HTTP worker threads (one per open connection)
  std::string keys_file;            // API keys file (see api_keys.h)
  std::string keys_from_environment;  // $GUARDIAN_API_KEYS as the server started (not a file key)
  BatchingConfig batching;
  api::LimitsConfig limits;
  AuditConfig audit;
  // Messages per window of the drift check (serve/drift_watch.h): each window's share flagged per
  // category is compared with the policy's reference share; 0 turns it off.
  int64_t drift_window = 1000;
  // Messages drawn at random from each drifted window into the review queue (reason "drift"; needs
  // the audit log). Labelled, they are a sample of the traffic to calibrate on; 0: none.
  int64_t drift_review_sample = 25;

  static ServeConfig load(const std::filesystem::path& path);
  static ServeConfig parse(const std::string& toml_text, const std::string& where);
  // ConfigError naming the field when a value is out of range.
  void validate(const std::string& where) const;
};

}  // namespace guardian::serve

// API keys: who may call the server, which policy a key is bound to, and whether it may call the
// admin routes. From a file (one key per line) or $GUARDIAN_API_KEYS (entries separated by commas);
// a key has at least 8 characters:
//
//   sk-live-1234                     # a key
//   sk-tenant-a-5678  policy=strict  # bound to a loaded policy: its requests are decided under it
//   sk-ops-9012       admin          # may call /v1/admin/*
//
// Keys are compared in constant time; logs and the audit log name a key by its hash prefix.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace guardian::api {

struct ApiKey {
  std::string secret;  // the key as the client sends it
  std::string policy;  // bound policy name, or "" for the request's choice
  bool admin = false;  // may reload the model and policies
  std::string name;    // "key:<first 8 hex of its SHA-256>", safe to log
};

class ApiKeys {
 public:
  // Parses the file's lines; ConfigError naming file and line on a malformed entry.
  static ApiKeys load(const std::filesystem::path& path);
  static ApiKeys parse(const std::string& text, const std::string& where, char separator = '\n');
  // The file when given, else the keys of `from_environment` (what $GUARDIAN_API_KEYS held when
  // the server started; entries separated by commas), else none (authentication off).
  static ApiKeys from_config(const std::string& keys_file, const std::string& from_environment);

  bool enabled() const { return !keys_.empty(); }
  // The key matching a presented secret, or nullopt.
  std::optional<ApiKey> find(const std::string& secret) const;
  const std::vector<ApiKey>& keys() const { return keys_; }

 private:
  std::vector<ApiKey> keys_;
};

// The secret from "Authorization: Bearer <key>" or an "X-API-Key" header value; "" if neither.
std::string presented_key(const std::string& authorization, const std::string& x_api_key);

}  // namespace guardian::api

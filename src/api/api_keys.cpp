#include "api/api_keys.h"

#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "core/fs.h"
#include "core/sha256.h"

namespace guardian::api {

namespace {

bool equal_constant_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

}  // namespace

ApiKeys ApiKeys::parse(const std::string& text, const std::string& where, char separator) {
  ApiKeys keys;
  std::istringstream in(text);
  std::string entry;
  int number = 0;
  while (std::getline(in, entry, separator)) {
    ++number;
    if (auto hash = entry.find('#'); hash != std::string::npos) entry.resize(hash);
    entry = trim(entry);
    if (entry.empty()) continue;
    std::istringstream fields(entry);
    ApiKey key;
    fields >> key.secret;
    std::string field;
    while (fields >> field) {
      if (field == "admin") {
        key.admin = true;
      } else if (field.rfind("policy=", 0) == 0 && field.size() > 7) {
        key.policy = field.substr(7);
      } else {
        throw ConfigError(where + ":" + std::to_string(number) + ": unknown field '" + field +
                          "' (expected 'policy=NAME' or 'admin')");
      }
    }
    if (key.secret.size() < 8) {
      throw ConfigError(where + ":" + std::to_string(number) + ": API keys must be at least 8 characters");
    }
    key.name = "key:" + core::sha256_hex(key.secret).substr(0, 8);
    keys.keys_.push_back(std::move(key));
  }
  return keys;
}

ApiKeys ApiKeys::load(const std::filesystem::path& path) { return parse(core::read_file(path), path.string()); }

ApiKeys ApiKeys::from_config(const std::string& keys_file, const std::string& from_environment) {
  if (!keys_file.empty()) return load(keys_file);
  if (!from_environment.empty()) return parse(from_environment, "GUARDIAN_API_KEYS", ',');
  return {};
}

std::optional<ApiKey> ApiKeys::find(const std::string& secret) const {
  std::optional<ApiKey> found;
  // Look at every key so the time taken does not say which one matched.
  for (const auto& key : keys_) {
    if (equal_constant_time(key.secret, secret) && !found) found = key;
  }
  return found;
}

std::string presented_key(const std::string& authorization, const std::string& x_api_key) {
  static const std::string kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() && authorization.compare(0, kBearer.size(), kBearer) == 0) {
    return trim(authorization.substr(kBearer.size()));
  }
  return trim(x_api_key);
}

}  // namespace guardian::api

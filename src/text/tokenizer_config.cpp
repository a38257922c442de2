#include "text/tokenizer_config.h"

#include "core/error.h"
#include "core/json_file.h"

namespace guardian::text {

namespace {

// A special token is written either as its text or as {"content": text, "lstrip": ..., ...}.
std::optional<std::string> token_text(const nlohmann::json& json, const std::string& key, const std::string& origin) {
  if (!json.contains(key) || json[key].is_null()) return std::nullopt;
  const auto& value = json[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  throw ConfigError(origin + ": '" + key + "' must be a string, null or an object with a string 'content'");
}

std::string chat_template(const nlohmann::json& json, const std::string& origin) {
  if (!json.contains("chat_template") || json["chat_template"].is_null()) return "";
  const auto& value = json["chat_template"];
  if (value.is_string()) return value.get<std::string>();
  // Several named templates: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}].
  if (value.is_array()) {
    for (const auto& entry : value) {
      if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") || !entry["template"].is_string()) {
        throw ConfigError(origin + ": 'chat_template' list entries must be {\"name\": ..., \"template\": \"...\"}");
      }
      if (entry["name"] == "default") return entry["template"].get<std::string>();
    }
    throw ConfigError(origin + ": 'chat_template' lists no template named \"default\"");
  }
  throw ConfigError(origin + ": 'chat_template' must be a string or a list of named templates");
}

}  // namespace

TokenizerConfig parse_tokenizer_config(const nlohmann::json& json, const std::string& origin) {
  if (!json.is_object()) throw ConfigError(origin + ": expected a JSON object");
  TokenizerConfig config;
  config.bos_token = token_text(json, "bos_token", origin);
  config.eos_token = token_text(json, "eos_token", origin);
  config.pad_token = token_text(json, "pad_token", origin);
  config.unk_token = token_text(json, "unk_token", origin);
  if (json.contains("add_bos_token") && !json["add_bos_token"].is_null()) {
    if (!json["add_bos_token"].is_boolean()) throw ConfigError(origin + ": 'add_bos_token' must be true or false");
    config.add_bos_token = json["add_bos_token"].get<bool>();
  }
  config.chat_template = chat_template(json, origin);
  return config;
}

TokenizerConfig load_tokenizer_config(const std::filesystem::path& file) {
  return parse_tokenizer_config(core::read_json_file(file), file.string());
}

}  // namespace guardian::text

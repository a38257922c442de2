#include "models/decoders/lora_config.h"

#include <cmath>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fs.h"

namespace guardian::models::decoders {

namespace {

using ordered_json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& key, const std::string& what) {
  throw ConfigError(file.string() + ": '" + key + "' " + what);
}

// A regular expression from the file; PEFT's patterns use the syntax Python's re and ECMAScript share.
std::regex compile(const std::string& pattern, const std::filesystem::path& file, const std::string& key) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    fail(file, key, "holds '" + pattern + "', which is not a regular expression: " + e.what());
  }
}

// PEFT's pattern keys: K applies to a module whose name matches (.*\.)?(K) from start to end.
bool pattern_applies(const std::string& key, const std::string& module) {
  return std::regex_match(module, std::regex("(.*\\.)?(" + key + ")"));
}

// Keys whose non-default values change what the adapter computes, and that guardian does not apply.
void refuse_unsupported(const ordered_json& json, const std::filesystem::path& file) {
  auto truthy = [](const ordered_json& v) {
    return !v.is_null() && !(v.is_boolean() && !v.get<bool>()) && !((v.is_array() || v.is_object()) && v.empty());
  };
  for (const char* key : {"use_dora", "fan_in_fan_out", "lora_bias", "use_qalora", "use_bdlora", "modules_to_save",
                          "layers_to_transform", "layers_pattern", "exclude_modules", "target_parameters",
                          "layer_replication", "alora_invocation_tokens", "arrow_config"}) {
    if (json.contains(key) && truthy(json[key])) fail(file, key, "= " + json[key].dump() + " is not supported");
  }
  if (json.contains("bias") && json["bias"] != "none") fail(file, "bias", "= " + json["bias"].dump() + " is not supported (only \"none\")");
}

template <typename T>
T number(const ordered_json& json, const char* key, const std::filesystem::path& file) {
  const auto& v = json[key];
  if (!v.is_number()) fail(file, key, "must be a number");
  return v.get<T>();
}

}  // namespace

bool LoraConfig::targets(const std::string& module) const {
  if (target_all_linear) return module != "lm_head" && !module.ends_with(".lm_head");
  if (!target_regex.empty()) return std::regex_match(module, std::regex(target_regex));
  for (const auto& name : target_names) {
    if (module == name || module.ends_with("." + name)) return true;
  }
  return false;
}

int64_t LoraConfig::rank_for(const std::string& module) const {
  for (const auto& [key, rank] : rank_pattern) {
    if (pattern_applies(key, module)) return rank;
  }
  return r;
}

double LoraConfig::scaling_for(const std::string& module) const {
  double alpha = lora_alpha;
  for (const auto& [key, value] : alpha_pattern) {
    if (pattern_applies(key, module)) {
      alpha = value;
      break;
    }
  }
  const auto rank = static_cast<double>(rank_for(module));
  return use_rslora ? alpha / std::sqrt(rank) : alpha / rank;
}

LoraConfig parse_lora_config(const std::string& text, const std::filesystem::path& file) {
  // Read in the file's order: PEFT takes the first rank_pattern / alpha_pattern key that matches.
  const ordered_json json = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) throw ConfigError(file.string() + ": not valid JSON");
  if (!json.is_object()) throw ConfigError(file.string() + ": expected a JSON object");
  LoraConfig c;
  c.file = file;
  if (!json.contains("peft_type") || json["peft_type"] != "LORA") {
    fail(file, "peft_type", "must be \"LORA\" (the adapters guardian applies)");
  }
  refuse_unsupported(json, file);
  if (json.contains("r")) c.r = number<int64_t>(json, "r", file);
  if (json.contains("lora_alpha")) c.lora_alpha = number<double>(json, "lora_alpha", file);
  if (json.contains("lora_dropout")) c.lora_dropout = number<double>(json, "lora_dropout", file);
  if (json.contains("use_rslora")) {
    if (!json["use_rslora"].is_boolean()) fail(file, "use_rslora", "must be true or false");
    c.use_rslora = json["use_rslora"].get<bool>();
  }
  if (c.r <= 0 || c.r > 65536) fail(file, "r", "must be in [1, 65536]");
  if (!(c.lora_dropout >= 0 && c.lora_dropout < 1)) fail(file, "lora_dropout", "must be in [0, 1)");

  const auto& targets = json.contains("target_modules") ? json["target_modules"] : ordered_json();
  if (targets.is_string() && targets == "all-linear") {
    c.target_all_linear = true;
  } else if (targets.is_string()) {
    c.target_regex = targets.get<std::string>();
    compile(c.target_regex, file, "target_modules");
  } else if (targets.is_array() && !targets.empty()) {
    for (const auto& t : targets) {
      if (!t.is_string() || t.get<std::string>().empty()) fail(file, "target_modules", "must hold module names");
      c.target_names.push_back(t.get<std::string>());
    }
  } else {
    fail(file, "target_modules", "must be a list of module names, a regular expression or \"all-linear\"");
  }

  for (const char* key : {"rank_pattern", "alpha_pattern"}) {
    if (!json.contains(key) || json[key].is_null()) continue;
    if (!json[key].is_object()) fail(file, key, "must be an object { module pattern: value }");
    for (const auto& [pattern, value] : json[key].items()) {
      compile("(.*\\.)?(" + pattern + ")", file, std::string(key) + "." + pattern);
      if (!value.is_number()) fail(file, std::string(key) + "." + pattern, "must be a number");
      if (std::string(key) == "rank_pattern") {
        if (value.get<int64_t>() <= 0) fail(file, "rank_pattern." + pattern, "must be > 0");
        c.rank_pattern.emplace_back(pattern, value.get<int64_t>());
      } else {
        c.alpha_pattern.emplace_back(pattern, value.get<double>());
      }
    }
  }

  if (json.contains("trainable_token_indices") && !json["trainable_token_indices"].is_null()) {
    auto indices = json["trainable_token_indices"];
    // {"embed_tokens": [...]} names the embedding; a bare list means the input embedding.
    if (indices.is_object()) {
      if (indices.size() != 1 || !indices.contains("embed_tokens")) {
        fail(file, "trainable_token_indices", "may name embed_tokens only");
      }
      indices = indices["embed_tokens"];
    }
    if (!indices.is_array()) fail(file, "trainable_token_indices", "must be a list of token ids");
    for (const auto& i : indices) {
      if (!i.is_number_integer() || i.get<int64_t>() < 0) fail(file, "trainable_token_indices", "must hold token ids >= 0");
      c.trainable_token_indices.push_back(i.get<int64_t>());
    }
  }
  if (json.contains("base_model_name_or_path") && json["base_model_name_or_path"].is_string()) {
    c.base_model_name_or_path = json["base_model_name_or_path"].get<std::string>();
  }
  return c;
}

LoraConfig read_lora_config(const std::filesystem::path& file) {
  return parse_lora_config(core::read_file(file), file);
}

}  // namespace guardian::models::decoders

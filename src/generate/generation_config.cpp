#include "generate/generation_config.h"

#include "core/error.h"
#include "core/json_file.h"

namespace guardian::generate {

namespace {

struct Reader {
  const nlohmann::json& json;
  const std::string& origin;

  const nlohmann::json* get(const std::string& key) const {
    return json.contains(key) && !json[key].is_null() ? &json[key] : nullptr;
  }
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    throw ConfigError(origin + ": '" + key + "' must be " + expected);
  }
  std::optional<int64_t> integer(const std::string& key, int64_t min) const {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() || v->get<int64_t>() < min) fail(key, "an integer >= " + std::to_string(min));
    return v->get<int64_t>();
  }
  std::optional<double> number(const std::string& key, double min, double max, bool min_open) const {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    const std::string range = std::string(min_open ? "(" : "[") + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (!v->is_number()) fail(key, "a number in " + range);
    const double x = v->get<double>();
    if (x > max || x < min || (min_open && x == min)) fail(key, "a number in " + range);
    return x;
  }
};

}  // namespace

GenerationConfig parse_generation_config(const nlohmann::json& json, const std::string& origin) {
  if (!json.is_object()) throw ConfigError(origin + ": expected a JSON object");
  const Reader r{json, origin};
  GenerationConfig config;
  if (const auto* eos = r.get("eos_token_id")) {
    if (eos->is_number_integer() && eos->get<int64_t>() >= 0) {
      config.eos_token_ids.push_back(eos->get<int64_t>());
    } else if (eos->is_array()) {
      for (const auto& id : *eos) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0) r.fail("eos_token_id", "a token id or a list of token ids");
        config.eos_token_ids.push_back(id.get<int64_t>());
      }
    } else {
      r.fail("eos_token_id", "a token id or a list of token ids");
    }
  }
  config.pad_token_id = r.integer("pad_token_id", 0);
  config.bos_token_id = r.integer("bos_token_id", 0);
  if (const auto* v = r.get("do_sample")) {
    if (!v->is_boolean()) r.fail("do_sample", "true or false");
    config.do_sample = v->get<bool>();
  }
  config.temperature = r.number("temperature", 0, 1e6, /*min_open=*/false);
  config.top_k = r.integer("top_k", 0);
  config.top_p = r.number("top_p", 0, 1, /*min_open=*/true);
  config.min_p = r.number("min_p", 0, 1, false);
  config.repetition_penalty = r.number("repetition_penalty", 0, 1e6, true);
  config.max_new_tokens = r.integer("max_new_tokens", 1);
  return config;
}

GenerationConfig load_generation_config(const std::filesystem::path& file) {
  return parse_generation_config(core::read_json_file(file), file.string());
}

}  // namespace guardian::generate

#include "models/decoders/decoder_config.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_file.h"
#include "models/decoders/architectures.h"
#include "models/model_dir.h"

namespace guardian::models::decoders {

namespace config_io {

namespace {

const nlohmann::json* find(const nlohmann::json& json, const std::string& key) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string dotted(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Beyond these a config is a mistake or an attack, not a model this engine can run in float32.
constexpr int64_t kMaxWidth = 1 << 16;       // hidden_size, head_dim * heads
constexpr int64_t kMaxVocab = 1 << 22;
constexpr int64_t kMaxIntermediate = 1 << 20;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr double kMaxEmbeddingElements = 17179869184.0;  // 2^34 floats: 64 GiB
constexpr double kMaxParameters = 68719476736.0;         // 2^36 floats in all

void require_range(const DecoderConfig& c, const char* key, int64_t value, int64_t most) {
  if (value <= 0 || value > most) {
    const nlohmann::json got = value;
    fail(c.file, key, "a positive integer of at most " + std::to_string(most), &got);
  }
}

}  // namespace

void fail(const std::filesystem::path& file, const std::string& key, const std::string& expected,
          const nlohmann::json* got) {
  std::string message = file.string() + ": key \"" + key + "\": expected " + expected;
  message += got ? ", got " + got->dump() : ", but it is missing";
  throw ConfigError(message);
}

int64_t required_int(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                     const std::string& parent) {
  const auto* value = find(json, key);
  if (!value || !value->is_number_integer()) fail(file, dotted(parent, key), "an integer", value);
  return value->get<int64_t>();
}

int64_t optional_int(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                     int64_t fallback, const std::string& parent) {
  return find(json, key) ? required_int(json, file, key, parent) : fallback;
}

double required_number(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                       const std::string& parent) {
  const auto* value = find(json, key);
  if (!value || !value->is_number() || !std::isfinite(value->get<double>())) {
    fail(file, dotted(parent, key), "a finite number", value);
  }
  return value->get<double>();
}

double optional_number(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                       double fallback, const std::string& parent) {
  return find(json, key) ? required_number(json, file, key, parent) : fallback;
}

bool optional_bool(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                   bool fallback) {
  const auto* value = find(json, key);
  if (!value) return fallback;
  if (!value->is_boolean()) fail(file, key, "true or false", value);
  return value->get<bool>();
}

std::string optional_string(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                            const std::string& fallback, const std::string& parent) {
  const auto* value = find(json, key);
  if (!value) return fallback;
  if (!value->is_string()) fail(file, dotted(parent, key), "a string", value);
  return value->get<std::string>();
}

RopeParameters read_rope(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                         double theta) {
  if (!json.is_object()) fail(file, key, "an object", &json);
  RopeParameters rope;
  // Hub checkpoints spell the type "type" (older) or "rope_type".
  const std::string type_key = json.contains("rope_type") ? "rope_type" : "type";
  rope.rope_type = optional_string(json, file, type_key, "default", key);
  rope.rope_theta = optional_number(json, file, "rope_theta", theta, key);
  rope.partial_rotary_factor = optional_number(json, file, "partial_rotary_factor", 1.0, key);
  if (rope.rope_theta <= 0) {
    const nlohmann::json got = rope.rope_theta;
    fail(file, dotted(key, "rope_theta"), "a positive number", &got);
  }
  if (rope.partial_rotary_factor != 1.0) {  // the architectures here rotate the whole head
    throw UnsupportedError(file.string() + ": key \"" + dotted(key, "partial_rotary_factor") +
                           "\": only 1.0 (the whole head rotates) is supported");
  }
  auto positive_factor = [&] {
    rope.factor = required_number(json, file, "factor", key);
    if (rope.factor <= 0) {
      const nlohmann::json got = rope.factor;
      fail(file, dotted(key, "factor"), "a positive number", &got);
    }
  };
  if (rope.rope_type == "default") {
  } else if (rope.rope_type == "linear") {
    positive_factor();
  } else if (rope.rope_type == "dynamic") {
    positive_factor();
    rope.original_max_position_embeddings = optional_int(json, file, "original_max_position_embeddings", 0, key);
  } else if (rope.rope_type == "llama3") {
    positive_factor();
    rope.low_freq_factor = required_number(json, file, "low_freq_factor", key);
    rope.high_freq_factor = required_number(json, file, "high_freq_factor", key);
    rope.original_max_position_embeddings = required_int(json, file, "original_max_position_embeddings", key);
    if (rope.high_freq_factor <= rope.low_freq_factor || rope.low_freq_factor <= 0 ||
        rope.original_max_position_embeddings <= 0) {
      fail(file, key, "low_freq_factor > 0, high_freq_factor > low_freq_factor and a positive "
                      "original_max_position_embeddings", &json);
    }
  } else {
    throw UnsupportedError(file.string() + ": key \"" + dotted(key, type_key) + "\": rope type '" + rope.rope_type +
                           "' is not supported; expected one of default, linear, dynamic, llama3");
  }
  return rope;
}

DecoderConfig read_common(const nlohmann::json& json, const std::filesystem::path& file, double default_theta) {
  DecoderConfig c;
  c.file = file;
  c.model_type = optional_string(json, file, "model_type", "");
  c.vocab_size = required_int(json, file, "vocab_size");
  c.hidden_size = required_int(json, file, "hidden_size");
  c.intermediate_size = required_int(json, file, "intermediate_size");
  c.num_hidden_layers = required_int(json, file, "num_hidden_layers");
  c.num_attention_heads = required_int(json, file, "num_attention_heads");
  c.num_key_value_heads = optional_int(json, file, "num_key_value_heads", c.num_attention_heads);
  if (c.num_attention_heads > 0 && !find(json, "head_dim")) {
    if (c.hidden_size % c.num_attention_heads != 0) {
      const nlohmann::json got = c.num_attention_heads;
      fail(file, "num_attention_heads", "a divisor of hidden_size (" + std::to_string(c.hidden_size) +
                                            ") when head_dim is absent", &got);
    }
  }
  c.head_dim = c.num_attention_heads > 0
                   ? optional_int(json, file, "head_dim", c.hidden_size / c.num_attention_heads)
                   : 0;
  c.max_position_embeddings = optional_int(json, file, "max_position_embeddings", 2048);
  c.rms_norm_eps = optional_number(json, file, "rms_norm_eps", 1e-6);
  c.tie_word_embeddings = optional_bool(json, file, "tie_word_embeddings", false);
  c.attention_bias = optional_bool(json, file, "attention_bias", false);
  c.mlp_bias = optional_bool(json, file, "mlp_bias", false);
  c.hidden_act = optional_string(json, file, "hidden_act", "silu");
  c.sliding_window = optional_int(json, file, "sliding_window", 0);
  c.pad_token_id = optional_int(json, file, "pad_token_id", 0);
  if (const auto* eos = find(json, "eos_token_id")) {
    if (eos->is_number_integer()) {
      c.eos_token_ids.push_back(eos->get<int64_t>());
    } else if (eos->is_array() && std::all_of(eos->begin(), eos->end(), [](const auto& e) { return e.is_number_integer(); })) {
      for (const auto& e : *eos) c.eos_token_ids.push_back(e.get<int64_t>());
    } else {
      fail(file, "eos_token_id", "an integer or a list of integers", eos);
    }
  }

  // RoPE: rope_parameters (one set, or one per layer type) as transformers now saves it; else the
  // legacy rope_theta + rope_scaling most Hub checkpoints carry.
  if (const auto* params = find(json, "rope_parameters")) {
    if (!params->is_object()) fail(file, "rope_parameters", "an object", params);
    const bool per_type = params->contains(kFullAttention) || params->contains(kSlidingAttention);
    if (per_type) {
      for (const auto& [type, entry] : params->items()) {
        if (type != kFullAttention && type != kSlidingAttention) {
          fail(file, "rope_parameters." + type, "only full_attention and sliding_attention entries", &entry);
        }
        c.rope[type] = read_rope(entry, file, "rope_parameters." + type, default_theta);
      }
    } else {
      const auto rope = read_rope(*params, file, "rope_parameters", default_theta);
      c.rope[kFullAttention] = c.rope[kSlidingAttention] = rope;
    }
  } else {
    const double theta = optional_number(json, file, "rope_theta", default_theta);
    RopeParameters rope;
    rope.rope_theta = theta;
    if (const auto* scaling = find(json, "rope_scaling")) rope = read_rope(*scaling, file, "rope_scaling", theta);
    rope.rope_theta = theta;
    c.rope[kFullAttention] = c.rope[kSlidingAttention] = rope;
  }
  return c;
}

void uniform_layer_types(DecoderConfig& c) {
  c.layer_types.assign(std::max<int64_t>(c.num_hidden_layers, 0), c.sliding_window > 0 ? kSlidingAttention : kFullAttention);
}

bool read_layer_types(const nlohmann::json& json, DecoderConfig& c) {
  const auto* types = find(json, "layer_types");
  if (!types) return false;
  const std::string expected = "a list of " + std::to_string(c.num_hidden_layers) +
                               " entries, each \"full_attention\" or \"sliding_attention\"";
  if (!types->is_array() || static_cast<int64_t>(types->size()) != c.num_hidden_layers) {
    fail(c.file, "layer_types", expected, types);
  }
  c.layer_types.clear();
  for (const auto& t : *types) {
    if (!t.is_string() || (t != kFullAttention && t != kSlidingAttention)) fail(c.file, "layer_types", expected, types);
    c.layer_types.push_back(t.get<std::string>());
  }
  return true;
}

void validate(const DecoderConfig& c) {
  require_range(c, "vocab_size", c.vocab_size, kMaxVocab);
  require_range(c, "hidden_size", c.hidden_size, kMaxWidth);
  require_range(c, "intermediate_size", c.intermediate_size, kMaxIntermediate);
  require_range(c, "num_hidden_layers", c.num_hidden_layers, kMaxLayers);
  require_range(c, "num_attention_heads", c.num_attention_heads, kMaxHeads);
  require_range(c, "num_key_value_heads", c.num_key_value_heads, kMaxHeads);
  require_range(c, "head_dim", c.head_dim, kMaxWidth);
  require_range(c, "max_position_embeddings", c.max_position_embeddings, int64_t{1} << 24);
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    const nlohmann::json got = c.num_key_value_heads;
    fail(c.file, "num_key_value_heads", "a divisor of num_attention_heads (" + std::to_string(c.num_attention_heads) + ")", &got);
  }
  if (c.head_dim % 2 != 0 || c.head_dim * c.num_attention_heads > kMaxWidth) {
    const nlohmann::json got = c.head_dim;
    fail(c.file, "head_dim", "an even width with head_dim * num_attention_heads at most " + std::to_string(kMaxWidth), &got);
  }
  if (!(c.rms_norm_eps > 0)) {
    const nlohmann::json got = c.rms_norm_eps;
    fail(c.file, "rms_norm_eps", "a positive number", &got);
  }
  if (c.hidden_act != "silu" && c.hidden_act != "gelu_pytorch_tanh") {
    const nlohmann::json got = c.hidden_act;
    fail(c.file, "hidden_act", "\"silu\" or \"gelu_pytorch_tanh\"", &got);
  }
  if (c.sliding_window < 0) {
    const nlohmann::json got = c.sliding_window;
    fail(c.file, "sliding_window", "a positive integer or null", &got);
  }
  if (static_cast<int64_t>(c.layer_types.size()) != c.num_hidden_layers) {
    throw ConfigError(c.file.string() + ": key \"layer_types\": expected one entry per layer");
  }
  for (const auto& type : c.layer_types) {
    if (type == kSlidingAttention && c.sliding_window <= 0) {
      fail(c.file, "sliding_window", "a positive integer, since layer_types has sliding_attention layers", nullptr);
    }
    if (!c.rope.count(type)) fail(c.file, "rope_parameters." + type, "RoPE parameters for this layer type", nullptr);
  }
  if (c.pad_token_id < 0 || c.pad_token_id >= c.vocab_size) {
    const nlohmann::json got = c.pad_token_id;
    fail(c.file, "pad_token_id", "an id inside the vocabulary", &got);
  }
  // Sizes before any allocation: the embedding table, then every parameter together.
  const double embedding = static_cast<double>(c.vocab_size) * static_cast<double>(c.hidden_size);
  const double attention = static_cast<double>(c.hidden_size) * static_cast<double>(c.head_dim) *
                           static_cast<double>(2 * c.num_attention_heads + 2 * c.num_key_value_heads);
  const double mlp = 3.0 * static_cast<double>(c.hidden_size) * static_cast<double>(c.intermediate_size);
  const double total = embedding * (c.tie_word_embeddings ? 1 : 2) + static_cast<double>(c.num_hidden_layers) * (attention + mlp);
  if (embedding > kMaxEmbeddingElements || total > kMaxParameters) {
    throw ConfigError(c.file.string() + ": keys \"vocab_size\", \"hidden_size\", \"intermediate_size\", "
                      "\"num_hidden_layers\": expected a model of at most 2^36 parameters (2^34 in the embedding "
                      "table), got " + std::to_string(total) + " parameters");
  }
}

}  // namespace config_io

const std::map<std::string, DecoderArchitecture>& decoder_architectures() {
  static const std::map<std::string, DecoderArchitecture> architectures = {
      {"llama", {&read_llama_config}},
      {"mistral", {&read_mistral_config}},
      {"qwen2", {&read_qwen2_config}},
      {"qwen3", {&read_qwen3_config}},
      {"gemma3_text", {&read_gemma3_text_config}},
      {"gemma3", {&read_gemma3_config}},
  };
  return architectures;
}

const RopeParameters& DecoderConfig::rope_for_layer(int64_t layer) const {
  return rope.at(layer_types.at(static_cast<size_t>(layer)));
}

DecoderConfig load_decoder_config(const std::filesystem::path& file) {
  const auto json = core::read_json_file(file);
  if (!json.is_object()) config_io::fail(file, "(top level)", "a JSON object", &json);
  const std::string model_type = config_io::optional_string(json, file, "model_type", "");
  const auto& architectures = decoder_architectures();
  auto it = architectures.find(model_type);
  if (it == architectures.end()) {
    std::string known;
    for (const auto& [name, _] : architectures) known += (known.empty() ? "" : ", ") + name;
    throw UnsupportedError(file.string() + ": key \"model_type\": '" + model_type +
                           "' is not a decoder architecture guardian knows; expected one of " + known);
  }
  auto config = it->second.read_config(json, file);
  config.model_type = model_type;
  config_io::validate(config);
  return config;
}

}  // namespace guardian::models::decoders

#include "models/encoder_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace guardian::models {

namespace {

void require_positive(int value, const char* field) {
  if (value <= 0) {
    throw ConfigError(std::string("model config: ") + field + " must be positive, got " +
                      std::to_string(value));
  }
}

void require_probability(double value, const char* field) {
  if (value < 0.0 || value >= 1.0) {
    throw ConfigError(std::string("model config: ") + field + " must be in [0, 1), got " +
                      std::to_string(value));
  }
}

template <typename T>
void read_field(const nlohmann::json& json, const char* key, T& out) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("config.json: field '") + key + "' has the wrong type: " + e.what());
  }
}

}  // namespace

void EncoderConfig::validate() const {
  if (model_type != "bert" && model_type != "roberta" && model_type != "xlm-roberta") {
    throw ConfigError("model config: model_type '" + model_type +
                      "' is not an encoder guardian knows (bert, roberta, xlm-roberta)");
  }
  require_positive(vocab_size, "vocab_size");
  require_positive(hidden_size, "hidden_size");
  require_positive(num_hidden_layers, "num_hidden_layers");
  require_positive(num_attention_heads, "num_attention_heads");
  require_positive(intermediate_size, "intermediate_size");
  require_positive(max_position_embeddings, "max_position_embeddings");
  require_positive(type_vocab_size, "type_vocab_size");
  if (hidden_size % num_attention_heads != 0) {
    throw ConfigError("model config: hidden_size (" + std::to_string(hidden_size) +
                      ") must be a multiple of num_attention_heads (" +
                      std::to_string(num_attention_heads) + ")");
  }
  require_probability(hidden_dropout_prob, "hidden_dropout_prob");
  require_probability(attention_probs_dropout_prob, "attention_probs_dropout_prob");
  if (hidden_act != "gelu" && hidden_act != "relu") {
    throw ConfigError("model config: hidden_act '" + hidden_act + "' is not supported (gelu, relu)");
  }
  if (pad_token_id < 0 || pad_token_id >= vocab_size) {
    throw ConfigError("model config: pad_token_id must be inside the vocabulary");
  }
}

EncoderConfig encoder_config_from_json(const nlohmann::json& json) {
  if (!json.is_object()) throw ConfigError("config.json: expected a JSON object");
  EncoderConfig c;
  read_field(json, "model_type", c.model_type);
  read_field(json, "vocab_size", c.vocab_size);
  read_field(json, "hidden_size", c.hidden_size);
  read_field(json, "num_hidden_layers", c.num_hidden_layers);
  read_field(json, "num_attention_heads", c.num_attention_heads);
  read_field(json, "intermediate_size", c.intermediate_size);
  read_field(json, "max_position_embeddings", c.max_position_embeddings);
  read_field(json, "type_vocab_size", c.type_vocab_size);
  read_field(json, "layer_norm_eps", c.layer_norm_eps);
  read_field(json, "hidden_dropout_prob", c.hidden_dropout_prob);
  read_field(json, "attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  read_field(json, "hidden_act", c.hidden_act);
  read_field(json, "pad_token_id", c.pad_token_id);
  c.validate();
  return c;
}

void encoder_config_to_json(const EncoderConfig& c, nlohmann::json& json) {
  json["model_type"] = c.model_type;
  json["vocab_size"] = c.vocab_size;
  json["hidden_size"] = c.hidden_size;
  json["num_hidden_layers"] = c.num_hidden_layers;
  json["num_attention_heads"] = c.num_attention_heads;
  json["intermediate_size"] = c.intermediate_size;
  json["max_position_embeddings"] = c.max_position_embeddings;
  json["type_vocab_size"] = c.type_vocab_size;
  json["layer_norm_eps"] = c.layer_norm_eps;
  json["hidden_dropout_prob"] = c.hidden_dropout_prob;
  json["attention_probs_dropout_prob"] = c.attention_probs_dropout_prob;
  json["hidden_act"] = c.hidden_act;
  json["pad_token_id"] = c.pad_token_id;
}

}  // namespace guardian::models

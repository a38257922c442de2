// The encoder's hyper-parameters, with the field names of Hugging Face's BERT/RoBERTa config.json
// so a checkpoint's config loads into the same struct. No torch here.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace guardian::models {

struct EncoderConfig {
  std::string model_type = "bert";        // "bert", "roberta" or "xlm-roberta"
  int vocab_size = 8000;                  // rows of embeddings.word_embeddings
  int hidden_size = 256;                  // width of every layer
  int num_hidden_layers = 4;              // transformer blocks
  int num_attention_heads = 4;            // heads per block; divides hidden_size
  int intermediate_size = 1024;           // width of the feed-forward layer
  int max_position_embeddings = 130;      // longest input, special tokens included
  int type_vocab_size = 1;                // token type (segment) embeddings
  double layer_norm_eps = 1e-12;          // LayerNorm epsilon
  double hidden_dropout_prob = 0.1;       // dropout on embeddings and block outputs
  double attention_probs_dropout_prob = 0.1;  // dropout on attention weights
  std::string hidden_act = "gelu";        // feed-forward activation: "gelu" or "relu"
  int pad_token_id = 0;                   // padding id (masked out of attention and pooling)
  // RoBERTa numbers positions from pad_token_id + 1; BERT from 0.
  int position_offset() const { return model_type == "bert" ? 0 : pad_token_id + 1; }

  // Throws ConfigError naming the field when a value is out of range.
  void validate() const;
};

// config.json <-> EncoderConfig. Unknown fields are kept out (HF configs carry many); missing
// fields keep their defaults.
EncoderConfig encoder_config_from_json(const nlohmann::json& json);
void encoder_config_to_json(const EncoderConfig& config, nlohmann::json& json);

}  // namespace guardian::models

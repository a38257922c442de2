#include "models/encoder.h"

#include <cmath>

namespace guardian::models {

namespace {

torch::nn::LayerNormOptions layer_norm_options(const EncoderConfig& config) {
  return torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps);
}

// A module with no parameters of its own that only names a path ("encoder" in encoder.layer.N).
struct NamespaceImpl : torch::nn::Module {};
TORCH_MODULE(Namespace);

}  // namespace

BertEmbeddingsImpl::BertEmbeddingsImpl(const EncoderConfig& c) : config(c) {
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  position_embeddings = register_module(
      "position_embeddings", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
  token_type_embeddings = register_module(
      "token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, c.hidden_size));
  LayerNorm = register_module("LayerNorm", torch::nn::LayerNorm(layer_norm_options(c)));
  dropout = register_module("dropout", torch::nn::Dropout(c.hidden_dropout_prob));
  for (auto* table : {&word_embeddings, &position_embeddings, &token_type_embeddings}) {
    torch::nn::init::normal_((*table)->weight, 0.0, 0.02);
  }
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
  const int64_t seq = input_ids.size(1);
  TORCH_CHECK(seq + config.position_offset() <= config.max_position_embeddings,
              "input of ", seq, " tokens is longer than max_position_embeddings");
  auto positions = torch::arange(config.position_offset(), config.position_offset() + seq,
                                 input_ids.options());                      // [seq]
  auto x = word_embeddings(input_ids) + position_embeddings(positions).unsqueeze(0) +
           token_type_embeddings->weight[0];                                // [batch, seq, hidden]
  return dropout(LayerNorm(x));
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const EncoderConfig& c)
    : num_heads(c.num_attention_heads), head_dim(c.hidden_size / c.num_attention_heads) {
  query = register_module("query", torch::nn::Linear(c.hidden_size, c.hidden_size));
  key = register_module("key", torch::nn::Linear(c.hidden_size, c.hidden_size));
  value = register_module("value", torch::nn::Linear(c.hidden_size, c.hidden_size));
  dropout = register_module("dropout", torch::nn::Dropout(c.attention_probs_dropout_prob));
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& hidden,
                                             const torch::Tensor& additive_mask) {
  const int64_t batch = hidden.size(0), seq = hidden.size(1);
  auto heads = [&](const torch::Tensor& t) {  // [batch, seq, hidden] -> [batch, heads, seq, head_dim]
    return t.view({batch, seq, num_heads, head_dim}).transpose(1, 2);
  };
  auto q = heads(query(hidden)), k = heads(key(hidden)), v = heads(value(hidden));
  auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  auto weights = dropout(torch::softmax(scores + additive_mask, -1));  // [batch, heads, seq, seq]
  auto context = torch::matmul(weights, v);                             // [batch, heads, seq, head_dim]
  return context.transpose(1, 2).reshape({batch, seq, num_heads * head_dim});
}

BertResidualOutputImpl::BertResidualOutputImpl(int in_features, const EncoderConfig& c) {
  dense = register_module("dense", torch::nn::Linear(in_features, c.hidden_size));
  LayerNorm = register_module("LayerNorm", torch::nn::LayerNorm(layer_norm_options(c)));
  dropout = register_module("dropout", torch::nn::Dropout(c.hidden_dropout_prob));
}

torch::Tensor BertResidualOutputImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return LayerNorm(dropout(dense(x)) + residual);
}

BertAttentionImpl::BertAttentionImpl(const EncoderConfig& c) {
  self = register_module("self", BertSelfAttention(c));
  output = register_module("output", BertResidualOutput(c.hidden_size, c));
}

torch::Tensor BertAttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask) {
  return output(self(hidden, additive_mask), hidden);
}

BertLayerImpl::BertLayerImpl(const EncoderConfig& c) : gelu(c.hidden_act == "gelu") {
  attention = register_module("attention", BertAttention(c));
  intermediate = register_module("intermediate", torch::nn::Sequential());
  intermediate->push_back("dense", torch::nn::Linear(c.hidden_size, c.intermediate_size));
  output = register_module("output", BertResidualOutput(c.intermediate_size, c));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask) {
  auto attended = attention(hidden, additive_mask);                  // [batch, seq, hidden]
  auto inner = intermediate->forward(attended);                      // [batch, seq, intermediate]
  inner = gelu ? torch::gelu(inner) : torch::relu(inner);
  return output(inner, attended);
}

EncoderImpl::EncoderImpl(const EncoderConfig& c) : config(c) {
  c.validate();
  embeddings = register_module("embeddings", BertEmbeddings(c));
  auto encoder = register_module("encoder", Namespace());
  layers = encoder->register_module("layer", torch::nn::ModuleList());
  for (int i = 0; i < c.num_hidden_layers; ++i) layers->push_back(BertLayer(c));
  // BERT's initialisation: normal(0, 0.02) weights, zero biases, unit LayerNorms.
  for (auto& p : named_parameters()) {
    const auto& name = p.key();
    if (name.find("LayerNorm") != std::string::npos) continue;
    if (name.ends_with(".bias")) torch::nn::init::zeros_(p.value());
    else if (name.ends_with(".weight") && p.value().dim() == 2) torch::nn::init::normal_(p.value(), 0.0, 0.02);
  }
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  // 0 where attended, a large negative number where padded: [batch, 1, 1, seq]
  auto additive_mask = (1.0 - attention_mask.to(torch::kFloat)).mul(-1e4).unsqueeze(1).unsqueeze(2);
  auto hidden = embeddings(input_ids);
  for (const auto& layer : *layers) hidden = layer->as<BertLayer>()->forward(hidden, additive_mask);
  return hidden;
}

}  // namespace guardian::models

// A transformer encoder in the BERT/RoBERTa layout. Registered module and parameter names equal the
// Hugging Face state-dict keys (embeddings.word_embeddings.weight,
// encoder.layer.0.attention.self.query.weight, ...), so loading a checkpoint is a name lookup.
#pragma once

#include <torch/torch.h>

#include "models/encoder_config.h"

namespace guardian::models {

struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const EncoderConfig& config);
  // input_ids: [batch, seq] -> [batch, seq, hidden]
  torch::Tensor forward(const torch::Tensor& input_ids);

  EncoderConfig config;
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
      token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(BertEmbeddings);

struct BertSelfAttentionImpl : torch::nn::Module {
  explicit BertSelfAttentionImpl(const EncoderConfig& config);
  // hidden: [batch, seq, hidden]; additive_mask: [batch, 1, 1, seq] -> [batch, seq, hidden]
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask);

  int num_heads, head_dim;
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(BertSelfAttention);

// Linear, dropout, residual add, LayerNorm: the "output" blocks of BERT.
struct BertResidualOutputImpl : torch::nn::Module {
  BertResidualOutputImpl(int in_features, const EncoderConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(BertResidualOutput);

struct BertAttentionImpl : torch::nn::Module {
  explicit BertAttentionImpl(const EncoderConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask);

  BertSelfAttention self{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertAttention);

struct BertLayerImpl : torch::nn::Module {
  explicit BertLayerImpl(const EncoderConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask);

  bool gelu;
  BertAttention attention{nullptr};
  torch::nn::Sequential intermediate{nullptr};  // holds "dense" so the key is intermediate.dense.*
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertLayer);

struct EncoderImpl : torch::nn::Module {
  explicit EncoderImpl(const EncoderConfig& config);
  // input_ids, attention_mask: [batch, seq] (mask 1 = token, 0 = padding) -> [batch, seq, hidden]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

  EncoderConfig config;
  BertEmbeddings embeddings{nullptr};
  torch::nn::ModuleList layers{nullptr};  // registered as encoder.layer.N
};
TORCH_MODULE(Encoder);

}  // namespace guardian::models

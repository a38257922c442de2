#include "models/masked_lm.h"

#include "models/classifier.h"

namespace guardian::models {

LMTransformImpl::LMTransformImpl(const EncoderConfig& c) : gelu(c.hidden_act == "gelu") {
  dense = register_module("dense", torch::nn::Linear(c.hidden_size, c.hidden_size));
  LayerNorm = register_module(
      "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  torch::nn::init::normal_(dense->weight, 0.0, 0.02);
  torch::nn::init::zeros_(dense->bias);
}

torch::Tensor LMTransformImpl::forward(const torch::Tensor& hidden) {
  auto x = dense(hidden);
  return LayerNorm(gelu ? torch::gelu(x) : torch::relu(x));
}

LMPredictionsImpl::LMPredictionsImpl(const EncoderConfig& c) {
  transform = register_module("transform", LMTransform(c));
  bias = register_parameter("bias", torch::zeros({c.vocab_size}));
}

MaskedLMImpl::MaskedLMImpl(const EncoderConfig& c) : config(c) {
  backbone = register_module(backbone_prefix(c), Encoder(c));
  cls = register_module("cls", std::make_shared<torch::nn::Module>());
  predictions = cls->register_module("predictions", LMPredictions(c));
}

torch::Tensor MaskedLMImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                    const torch::Tensor& positions) {
  auto hidden = backbone(input_ids, attention_mask);                        // [batch, seq, hidden]
  auto flat = hidden.reshape({-1, hidden.size(-1)}).index_select(0, positions);  // [n, hidden]
  auto transformed = predictions->transform(flat);                          // [n, hidden]
  // The decoder is tied to the input embeddings: [n, hidden] x [hidden, vocab].
  return torch::matmul(transformed, backbone->embeddings->word_embeddings->weight.t()) + predictions->bias;
}

}  // namespace guardian::models

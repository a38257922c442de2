// The encoder with a masked-language-model head, for domain pretraining (`guardian pretrain`).
// Names follow Hugging Face's BertForMaskedLM: bert.* (or roberta.*) for the backbone,
// cls.predictions.transform.{dense,LayerNorm}.* and cls.predictions.bias for the head, whose
// decoder is tied to the word embeddings (so it holds no weight of its own).
#pragma once

#include <torch/torch.h>

#include "models/encoder.h"

namespace guardian::models {

struct LMTransformImpl : torch::nn::Module {
  explicit LMTransformImpl(const EncoderConfig& config);
  torch::Tensor forward(const torch::Tensor& hidden);  // [n, hidden] -> [n, hidden]

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  bool gelu;
};
TORCH_MODULE(LMTransform);

struct LMPredictionsImpl : torch::nn::Module {
  explicit LMPredictionsImpl(const EncoderConfig& config);
  LMTransform transform{nullptr};
  torch::Tensor bias;  // [vocab]
};
TORCH_MODULE(LMPredictions);

struct MaskedLMImpl : torch::nn::Module {
  explicit MaskedLMImpl(const EncoderConfig& config);
  // input_ids, attention_mask: [batch, seq]; positions: [n] flat indices into batch*seq of the
  // masked tokens -> vocabulary logits at those positions [n, vocab].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& positions);

  EncoderConfig config;
  Encoder backbone{nullptr};
  std::shared_ptr<torch::nn::Module> cls;  // holds "predictions", for the Hugging Face key
  LMPredictions predictions{nullptr};
};
TORCH_MODULE(MaskedLM);

}  // namespace guardian::models

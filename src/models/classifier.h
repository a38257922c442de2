// Encoder classifier: a BERT/RoBERTa backbone, pooled, with one linear head per policy category.
// The backbone is registered under "bert" or "roberta" as in Hugging Face's *ForSequenceClassification.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/encoder.h"

namespace guardian::models {

struct ClassifierOptions {
  EncoderConfig encoder;          // backbone hyper-parameters
  std::vector<int> levels;        // number of levels of each head, in policy order
  std::string pooling = "mean";   // "mean" over tokens, or "cls" (first token)
  double head_dropout = 0.1;      // dropout between the pooled vector and the heads
};

struct ClassifierImpl : torch::nn::Module {
  explicit ClassifierImpl(const ClassifierOptions& options);
  // input_ids, attention_mask: [batch, seq] -> logits of all heads side by side [batch, sum(levels)]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
  // [batch, seq] -> pooled [batch, hidden]
  torch::Tensor pool(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

  ClassifierOptions options;
  Encoder backbone{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::ModuleList heads{nullptr};
};
TORCH_MODULE(Classifier);

// "bert" for BERT, "roberta" for RoBERTa and XLM-R: the prefix of the backbone's parameter names.
std::string backbone_prefix(const EncoderConfig& config);

}  // namespace guardian::models

#include "models/classifier.h"

#include "core/error.h"

namespace guardian::models {

std::string backbone_prefix(const EncoderConfig& config) {
  return config.model_type == "bert" ? "bert" : "roberta";
}

ClassifierImpl::ClassifierImpl(const ClassifierOptions& o) : options(o) {
  if (o.levels.empty()) throw ConfigError("classifier: the policy has no categories");
  if (o.pooling != "mean" && o.pooling != "cls") {
    throw ConfigError("classifier: pooling must be 'mean' or 'cls', got '" + o.pooling + "'");
  }
  backbone = register_module(backbone_prefix(o.encoder), Encoder(o.encoder));
  dropout = register_module("dropout", torch::nn::Dropout(o.head_dropout));
  heads = register_module("heads", torch::nn::ModuleList());
  for (int levels : o.levels) {
    torch::nn::Linear head(o.encoder.hidden_size, levels);
    torch::nn::init::normal_(head->weight, 0.0, 0.02);
    torch::nn::init::zeros_(head->bias);
    heads->push_back(head);
  }
}

torch::Tensor ClassifierImpl::pool(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  auto hidden = backbone(input_ids, attention_mask);  // [batch, seq, hidden]
  if (options.pooling == "cls") return hidden.select(1, 0);
  auto mask = attention_mask.to(hidden.scalar_type()).unsqueeze(-1);  // [batch, seq, 1]
  return (hidden * mask).sum(1) / mask.sum(1).clamp_min(1.0);         // [batch, hidden]
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
  auto pooled = dropout(pool(input_ids, attention_mask));  // [batch, hidden]
  std::vector<torch::Tensor> logits;
  logits.reserve(heads->size());
  for (const auto& head : *heads) logits.push_back(head->as<torch::nn::Linear>()->forward(pooled));
  return torch::cat(logits, 1);  // [batch, sum(levels)]
}

}  // namespace guardian::models

// Next-token language modelling on a Llama-layout decoder: the config a recipe's [model] describes,
// fresh weights under Hugging Face names (held by a module, so AdamW and checkpoints see them), the
// packed rows it trains on, and the loss. The forward is models::decoders' own, over these tensors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/decoders/decoder_model.h"
#include "train/train_config.h"

namespace guardian::train {

// Ids of the tokenizer's special pieces that the decoder's config and files name.
struct DecoderSpecialIds {
  int bos = 0;  // starts every text
  int eos = 0;  // ends every text; generation stops on it
  int pad = 0;  // fills short rows (never trained on)
};

// The recipe's [model] (kind "decoder") as config.json would say it: model_type "llama", RoPE base
// 10000, RMSNorm eps 1e-5, max_length positions; ConfigError for sizes the decoder cannot take.
models::decoders::DecoderConfig decoder_config_for(const ModelConfig& model, int vocab_size, DecoderSpecialIds ids);

// A decoder's weights as parameters of one module. Module names cannot hold '.', so each
// registered name is the Hugging Face name with '/' for '.'; `tensors` keeps the real names and
// shares storage with the parameters.
class DecoderWeightsImpl : public torch::nn::Module {
 public:
  // Fresh weights as transformers initialises a Llama: N(0, 0.02) for embeddings and projections,
  // 1 for norms; drawn from torch's generator (seed it first). No lm_head when tied.
  explicit DecoderWeightsImpl(const models::decoders::DecoderConfig& config);
  std::map<std::string, torch::Tensor> tensors;  // Hugging Face name -> parameter
};
TORCH_MODULE(DecoderWeights);

// Texts as one stream, each "<s> pieces </s>", cut into rows of exactly `length` tokens; the
// remainder that does not fill a row is dropped. texts hold the pieces alone (no specials).
std::vector<std::vector<int>> pack_rows(const std::vector<std::vector<int>>& texts, int length, DecoderSpecialIds ids);

// Mean cross-entropy of predicting token t + 1 from tokens 0..t over every position of rows
// [batch, seq] int64 (full rows, no padding): a scalar that carries gradients when the weights do.
torch::Tensor causal_loss(const models::decoders::DecoderModel& model, const torch::Tensor& rows);

}  // namespace guardian::train

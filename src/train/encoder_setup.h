// What the encoder's trainers (fine-tuning and masked-LM pretraining) share: the backbone's
// hyper-parameters from a recipe, the SentencePiece tokenizer, AdamW with no decay on biases and
// LayerNorm, the batches of an epoch, and loading a pretrained backbone.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/encoder_config.h"
#include "text/tokenizer.h"
#include "train/train_config.h"

namespace guardian::train {

// The recipe's [model] as a backbone config, for a tokenizer's vocabulary size and pad id.
models::EncoderConfig encoder_config_for(const TrainConfig& config, int vocab_size, int pad_id);

// Trains a SentencePiece tokenizer on texts into path (then loads it).
std::unique_ptr<text::Tokenizer> train_tokenizer(const std::filesystem::path& path, const std::vector<std::string>& texts,
                                                 const TokenizerConfig& config);

// AdamW over module's parameters; weight decay only on matrices that are not LayerNorm's.
torch::optim::AdamW make_adamw(torch::nn::Module& module, double lr, double weight_decay);

// Batches of one epoch: a permutation fixed by (seed, epoch), cut into chunks of 50 batches that
// are sorted by length (less padding), then the batch order shuffled. Same seed, same batches.
std::vector<std::vector<size_t>> epoch_batches(const std::vector<std::vector<int>>& rows, int batch_size, int seed,
                                               int64_t epoch);

// Copies the backbone (every "bert."/"roberta." tensor) of a `guardian pretrain` directory into
// module. ConfigError when a backbone tensor is missing or has another shape (the recipe's
// [model] must match the pretraining's); the pretraining head is left out.
void load_pretrained_backbone(torch::nn::Module& module, const std::filesystem::path& dir);

}  // namespace guardian::train

// Masked-language-model pretraining of the encoder (`guardian pretrain`): the recipe's [pretrain]
// text plus its training texts, a SentencePiece tokenizer trained on them, the recipe's [model]
// backbone with a tied MLM head, AdamW under a step schedule that a budget refits. Resumable
// (weights, optimiser, position, RNG in checkpoint/); the directory it writes is what a recipe's
// [model] pretrained names, so every later `train` starts from it.
//   dir/tokenizer.model, model.safetensors (bert.* + cls.*), config.json, pretrain.json,
//   pretrain_log.jsonl (loss, held-out loss, tokens/s), checkpoint/ while unfinished
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>

#include "train/train_config.h"

namespace guardian::train {

struct PretrainOptions {
  std::filesystem::path out_dir;                     // "" = the recipe's [model] pretrained
  std::optional<std::chrono::milliseconds> budget;   // wall-clock for the step loop
  std::optional<int64_t> stop_after_steps;           // stop (checkpoint saved) after this many steps in total
  bool quiet = false;                                // no progress bar
};

struct PretrainResult {
  bool finished = false;            // the schedule ran to its end
  bool interrupted = false;         // stopped by a signal (checkpoint saved)
  int64_t steps = 0;                // optimiser steps so far
  double train_loss = 0.0;          // running masked-token cross-entropy
  double heldout_loss = 0.0;        // masked-token cross-entropy on held-out texts (fixed masks)
  double tokens_per_second = 0.0;   // input tokens through the model per second, this run
  int64_t tokens = 0;               // causal: input tokens trained on so far, all runs
  double heldout_perplexity = 0.0;  // causal: token perplexity of the held-out texts (infer/perplexity.h)
  std::filesystem::path dir;        // where it was written
};

// Dispatches on [pretrain] objective: "masked" here, "causal" to pretrain_causal (decoder_pretrainer.h).
PretrainResult pretrain(const TrainConfig& config, const PretrainOptions& options);

}  // namespace guardian::train

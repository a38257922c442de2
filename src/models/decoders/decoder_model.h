// A decoder language model loaded from a Hugging Face checkpoint directory, computing what
// transformers computes (float32). The weights are read-only after loading; everything a request
// accumulates (the KV cache) belongs to the caller, so one model serves many requests at once.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "models/decoders/decoder_config.h"

namespace guardian::models::decoders {

// One request's keys and values for every position seen so far; empty until the first forward.
struct KvCache {
  std::vector<torch::Tensor> keys;    // per layer [batch, kv_heads, length, head_dim], RoPE applied
  std::vector<torch::Tensor> values;  // per layer [batch, kv_heads, length, head_dim]
  torch::Tensor attention_mask;       // [batch, length] int64: 1 = token, 0 = padding
  int64_t length() const { return attention_mask.defined() ? attention_mask.size(1) : 0; }
};

struct DecoderOutput {
  torch::Tensor logits;  // [batch, seq, vocab] float32
  // With output_hidden_states, num_hidden_layers + 1 tensors [batch, seq, hidden] as transformers
  // reports them: [0] the embeddings, [i] the output of layer i, the last one after the final norm.
  std::vector<torch::Tensor> hidden_states;
};

class DecoderModel {
 public:
  virtual ~DecoderModel() = default;
  // input_ids, attention_mask, position_ids: [batch, seq] int64. attention_mask covers these
  // tokens only (1 = token, 0 = padding); with a cache, its mask of the earlier positions is
  // prepended and the new keys and values are appended to it. Positions are explicit, so a
  // left-padded row numbers its tokens from 0. InputError on a shape or id out of range.
  virtual DecoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                const torch::Tensor& position_ids, KvCache* cache = nullptr,
                                bool output_hidden_states = false) const = 0;
  const DecoderConfig& config() const { return config_; }

 protected:
  explicit DecoderModel(DecoderConfig config) : config_(std::move(config)) {}
  DecoderConfig config_;
};

struct DecoderLoadOptions {
  std::filesystem::path config_file;  // instead of dir/config.json
  std::filesystem::path adapter;      // a PEFT LoRA adapter directory applied to the base weights
  bool merge_adapter = true;          // fold W + scaling * B A into W (PEFT's merge_and_unload);
                                      // false keeps A and B apart, as PEFT computes before merging
};

// dir/config.json (or config_file when given) and dir's weights; the architecture comes from
// model_type through decoder_architectures(). Errors name the file, the key or tensor, and what
// was expected.
std::unique_ptr<DecoderModel> load_decoder(const std::filesystem::path& dir,
                                           const std::filesystem::path& config_file = {});
std::unique_ptr<DecoderModel> load_decoder(const std::filesystem::path& dir, const DecoderLoadOptions& options);

// The same forward over tensors the caller owns (Hugging Face names, the config's shapes), shared
// rather than copied: a trainer optimises them in place, and what it saves reloads through
// load_decoder into the very same computation. Tensors that require grad make forward record
// gradients. InputError for a missing tensor or another shape; ConfigError for a bad config.
std::unique_ptr<DecoderModel> decoder_over_tensors(DecoderConfig config,
                                                   const std::map<std::string, torch::Tensor>& tensors);

}  // namespace guardian::models::decoders

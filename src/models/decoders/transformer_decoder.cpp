// The one decoder forward every architecture runs: embeddings, N blocks of (norm, attention,
// norm, gated MLP) with residuals, a final norm and the LM head. The config's flags switch the
// variations (q/k norms, four norms per block, (1 + w) norms, scaled embeddings, sliding layers).
#include <cmath>
#include <map>
#include <optional>

#include "core/error.h"
#include "models/decoders/checkpoint.h"
#include "models/decoders/decoder_layers.h"
#include "models/decoders/decoder_model.h"
#include "models/decoders/lora.h"
#include "models/model_dir.h"

namespace guardian::models::decoders {

namespace {

struct LayerWeights {
  AttentionWeights self_attn;
  MlpWeights mlp;
  torch::Tensor input_layernorm, post_attention_layernorm;              // [hidden]
  torch::Tensor pre_feedforward_layernorm, post_feedforward_layernorm;  // [hidden], sandwich norms only
};

// The tensors of a model being trained, by Hugging Face name: used as they are (not copied), so the
// optimiser's updates are what the forward computes with.
class SharedTensors {
 public:
  explicit SharedTensors(const std::map<std::string, torch::Tensor>& tensors) : tensors_(tensors) {}
  bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
  torch::Tensor load(const std::string& name, const std::vector<int64_t>& shape) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end() || it->second.sizes() != torch::IntArrayRef(shape)) {
      throw InputError("decoder weights: tensor '" + name + "' is missing or not of the config's shape");
    }
    return it->second;
  }

 private:
  const std::map<std::string, torch::Tensor>& tensors_;
};

class TransformerDecoder final : public DecoderModel {
 public:
  // Weights from a Checkpoint (float32 copies) or SharedTensors (the trainer's own). With an
  // adapter, every Linear it targets gets its LoRA (merged into the weight or kept apart) and the
  // embedding rows it replaces.
  template <class Weights>
  TransformerDecoder(DecoderConfig config, const Weights& checkpoint, LoraAdapter* adapter, bool merge);
  DecoderOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& position_ids, KvCache* cache, bool output_hidden_states) const override;

 private:
  void check_inputs(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                    const torch::Tensor& position_ids, const KvCache* cache) const;

  torch::Tensor embed_tokens_;  // [vocab, hidden]
  std::vector<LayerWeights> layers_;
  torch::Tensor norm_;     // [hidden]
  torch::Tensor lm_head_;  // [vocab, hidden]; embed_tokens_ when tied
  AttentionShape attention_shape_;
};

template <class Weights>
TransformerDecoder::TransformerDecoder(DecoderConfig config, const Weights& checkpoint, LoraAdapter* adapter,
                                       bool merge)
    : DecoderModel(std::move(config)) {
  const auto& c = config_;
  const int64_t hidden = c.hidden_size, q_width = c.num_attention_heads * c.head_dim,
                kv_width = c.num_key_value_heads * c.head_dim, inner = c.intermediate_size;
  auto layout = c.layouts.front();
  for (const auto& candidate : c.layouts) {
    if (checkpoint.contains(candidate.prefix + "embed_tokens.weight")) {
      layout = candidate;
      break;
    }
  }
  const auto& prefix = layout.prefix;
  auto linear = [&](const std::string& name, int64_t out, int64_t in, bool bias) {
    Linear l;
    l.weight = checkpoint.load(name + ".weight", {out, in});
    if (bias) l.bias = checkpoint.load(name + ".bias", {out});
    if (auto lora = adapter ? adapter->for_linear(name, out, in) : std::nullopt) {
      if (merge) {
        l.weight += lora->scaling * torch::mm(lora->b, lora->a);
      } else {
        l.lora_a = lora->a;
        l.lora_b = lora->b;
        l.lora_scaling = lora->scaling;
      }
    }
    return l;
  };
  embed_tokens_ = checkpoint.load(prefix + "embed_tokens.weight", {c.vocab_size, hidden});
  if (auto rows = adapter ? adapter->token_rows(prefix + "embed_tokens", hidden) : torch::Tensor(); rows.defined()) {
    // PEFT's trainable tokens replace whole rows; a tied LM head shares them (it is this tensor).
    const auto& indices = adapter->config().trainable_token_indices;
    for (auto index : indices) {
      if (index >= c.vocab_size) {
        throw ConfigError(adapter->config().file.string() + ": 'trainable_token_indices' holds " +
                          std::to_string(index) + ", outside the vocabulary of " + std::to_string(c.vocab_size));
      }
    }
    embed_tokens_.index_copy_(0, torch::tensor(indices, torch::kInt64), rows);
  }
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const auto p = prefix + "layers." + std::to_string(i) + ".";
    LayerWeights layer;
    const bool qkv_bias = c.attention_bias || c.qkv_bias;
    layer.self_attn.q_proj = linear(p + "self_attn.q_proj", q_width, hidden, qkv_bias);
    layer.self_attn.k_proj = linear(p + "self_attn.k_proj", kv_width, hidden, qkv_bias);
    layer.self_attn.v_proj = linear(p + "self_attn.v_proj", kv_width, hidden, qkv_bias);
    layer.self_attn.o_proj = linear(p + "self_attn.o_proj", hidden, q_width, c.attention_bias);
    if (c.qk_norm) {
      layer.self_attn.q_norm = checkpoint.load(p + "self_attn.q_norm.weight", {c.head_dim});
      layer.self_attn.k_norm = checkpoint.load(p + "self_attn.k_norm.weight", {c.head_dim});
    }
    layer.mlp.gate_proj = linear(p + "mlp.gate_proj", inner, hidden, c.mlp_bias);
    layer.mlp.up_proj = linear(p + "mlp.up_proj", inner, hidden, c.mlp_bias);
    layer.mlp.down_proj = linear(p + "mlp.down_proj", hidden, inner, c.mlp_bias);
    layer.input_layernorm = checkpoint.load(p + "input_layernorm.weight", {hidden});
    layer.post_attention_layernorm = checkpoint.load(p + "post_attention_layernorm.weight", {hidden});
    if (c.sandwich_norms) {
      layer.pre_feedforward_layernorm = checkpoint.load(p + "pre_feedforward_layernorm.weight", {hidden});
      layer.post_feedforward_layernorm = checkpoint.load(p + "post_feedforward_layernorm.weight", {hidden});
    }
    layers_.push_back(std::move(layer));
  }
  norm_ = checkpoint.load(prefix + "norm.weight", {hidden});
  // Tied checkpoints leave lm_head out of the file (and transformers ignores it when present).
  lm_head_ = c.tie_word_embeddings ? embed_tokens_ : checkpoint.load(layout.lm_head, {c.vocab_size, hidden});

  attention_shape_.heads = c.num_attention_heads;
  attention_shape_.kv_heads = c.num_key_value_heads;
  attention_shape_.head_dim = c.head_dim;
  attention_shape_.scaling = std::pow(c.query_pre_attn_scalar > 0 ? c.query_pre_attn_scalar
                                                                  : static_cast<double>(c.head_dim), -0.5);
  attention_shape_.softcap = c.attn_logit_softcapping;
  attention_shape_.norm_eps = c.rms_norm_eps;
  attention_shape_.norm_adds_one = c.norm_adds_one;
}

void TransformerDecoder::check_inputs(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                      const torch::Tensor& position_ids, const KvCache* cache) const {
  auto same_shape = [&](const torch::Tensor& t) {
    return t.defined() && t.dim() == 2 && t.sizes() == input_ids.sizes() && t.scalar_type() == torch::kInt64;
  };
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.scalar_type() != torch::kInt64 || input_ids.size(1) == 0) {
    throw InputError("decoder forward: input_ids must be a non-empty [batch, seq] int64 tensor");
  }
  if (!same_shape(attention_mask) || !same_shape(position_ids)) {
    throw InputError("decoder forward: attention_mask and position_ids must be int64 tensors shaped like input_ids");
  }
  if (input_ids.min().item<int64_t>() < 0 || input_ids.max().item<int64_t>() >= config_.vocab_size) {
    throw InputError("decoder forward: a token id is outside the vocabulary of " + std::to_string(config_.vocab_size));
  }
  if (position_ids.min().item<int64_t>() < 0) throw InputError("decoder forward: a position id is negative");
  if (cache && cache->length() > 0 &&
      (cache->attention_mask.size(0) != input_ids.size(0) ||
       cache->keys.size() != static_cast<size_t>(config_.num_hidden_layers))) {
    throw InputError("decoder forward: the KV cache holds another batch or another model's layers");
  }
}

DecoderOutput TransformerDecoder::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                          const torch::Tensor& position_ids, KvCache* cache,
                                          bool output_hidden_states) const {
  check_inputs(input_ids, attention_mask, position_ids, cache);
  // Gradients only for weights that ask for them (a model being trained); serving never records.
  std::optional<torch::NoGradGuard> no_grad;
  if (!embed_tokens_.requires_grad()) no_grad.emplace();
  const auto& c = config_;
  const int64_t batch = input_ids.size(0), seq = input_ids.size(1);
  const auto full_mask = cache && cache->length() > 0 ? torch::cat({cache->attention_mask, attention_mask}, 1)
                                                      : attention_mask;  // [batch, past + seq]
  if (cache && cache->keys.empty()) {
    cache->keys.resize(layers_.size());
    cache->values.resize(layers_.size());
  }

  // One mask and one RoPE table per layer type.
  std::map<std::string, torch::Tensor> masks;
  std::map<std::string, RopeTables> ropes;
  for (const auto& type : c.layer_types) {
    if (masks.count(type)) continue;
    masks[type] = additive_attention_mask(full_mask, seq, type == kSlidingAttention ? c.sliding_window : 0);
    ropes[type] = rope_tables(c.rope.at(type), c.head_dim, c.max_position_embeddings, position_ids);
  }

  DecoderOutput out;
  auto h = embed_tokens_.index_select(0, input_ids.reshape({-1})).view({batch, seq, c.hidden_size});
  if (c.scale_embeddings) h = h * std::sqrt(static_cast<double>(c.hidden_size));  // [batch, seq, hidden]
  if (output_hidden_states) out.hidden_states.push_back(h);
  const bool gelu_tanh = c.hidden_act == "gelu_pytorch_tanh";
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& layer = layers_[i];
    const auto& type = c.layer_types[i];
    auto x = rms_norm(h, layer.input_layernorm, c.rms_norm_eps, c.norm_adds_one);
    x = attention(x, layer.self_attn, attention_shape_, ropes.at(type), masks.at(type),
                  cache ? &cache->keys[i] : nullptr, cache ? &cache->values[i] : nullptr);
    if (c.sandwich_norms) x = rms_norm(x, layer.post_attention_layernorm, c.rms_norm_eps, c.norm_adds_one);
    h = h + x;
    x = rms_norm(h, c.sandwich_norms ? layer.pre_feedforward_layernorm : layer.post_attention_layernorm,
                 c.rms_norm_eps, c.norm_adds_one);
    x = gated_mlp(x, layer.mlp, gelu_tanh);
    if (c.sandwich_norms) x = rms_norm(x, layer.post_feedforward_layernorm, c.rms_norm_eps, c.norm_adds_one);
    h = h + x;
    if (output_hidden_states && i + 1 < layers_.size()) out.hidden_states.push_back(h);
  }
  h = rms_norm(h, norm_, c.rms_norm_eps, c.norm_adds_one);  // [batch, seq, hidden]
  if (output_hidden_states) out.hidden_states.push_back(h);
  out.logits = torch::linear(h, lm_head_);  // [batch, seq, vocab]
  if (c.final_logit_softcapping > 0) {
    out.logits = torch::tanh(out.logits / c.final_logit_softcapping) * c.final_logit_softcapping;
  }
  if (cache) cache->attention_mask = full_mask;
  return out;
}

}  // namespace

std::unique_ptr<DecoderModel> load_decoder(const std::filesystem::path& dir, const std::filesystem::path& config_file) {
  DecoderLoadOptions options;
  options.config_file = config_file;
  return load_decoder(dir, options);
}

std::unique_ptr<DecoderModel> load_decoder(const std::filesystem::path& dir, const DecoderLoadOptions& options) {
  auto config = load_decoder_config(options.config_file.empty() ? dir / kConfigFile : options.config_file);
  const auto checkpoint = Checkpoint::open(dir);
  std::optional<LoraAdapter> adapter;
  if (!options.adapter.empty()) adapter = LoraAdapter::load(options.adapter);
  auto model = std::make_unique<TransformerDecoder>(std::move(config), checkpoint, adapter ? &*adapter : nullptr,
                                                    options.merge_adapter);
  if (adapter) adapter->check_complete();
  return model;
}

std::unique_ptr<DecoderModel> decoder_over_tensors(DecoderConfig config,
                                                   const std::map<std::string, torch::Tensor>& tensors) {
  config_io::validate(config);
  return std::make_unique<TransformerDecoder>(std::move(config), SharedTensors(tensors), nullptr, false);
}

}  // namespace guardian::models::decoders

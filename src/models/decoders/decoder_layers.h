// The pieces every decoder architecture here is built from, as tensor functions over weights the
// model owns: RMSNorm, grouped-query attention with its masks, the gated MLP.
#pragma once

#include <torch/torch.h>

#include "models/decoders/rope.h"

namespace guardian::models::decoders {

// An optional bias: undefined when the architecture has none. An unmerged LoRA adapter adds
// scaling * B(A(x)) to the output, as PEFT's lora.Linear does.
struct Linear {
  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out] or undefined
  torch::Tensor lora_a;  // [r, in] or undefined
  torch::Tensor lora_b;  // [out, r]
  double lora_scaling = 0.0;
  torch::Tensor operator()(const torch::Tensor& x) const {
    auto y = torch::linear(x, weight, bias);
    if (lora_a.defined()) y = y + torch::linear(torch::linear(x, lora_a), lora_b) * lora_scaling;
    return y;
  }
};

// x / rms(x) over the last dimension, times weight (Llama) or (1 + weight) computed in float32 (Gemma).
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps, bool adds_one);

// Additive attention mask [batch, 1, seq, past + seq]: 0 where query t (at absolute index past + t)
// may see key j, the lowest float elsewhere: j after the query, j a padding slot (full_mask
// [batch, past + seq]), or, with window > 0, j at window or more positions before the query.
torch::Tensor additive_attention_mask(const torch::Tensor& full_mask, int64_t seq, int64_t window);

struct AttentionWeights {
  Linear q_proj, k_proj, v_proj, o_proj;
  torch::Tensor q_norm, k_norm;  // [head_dim], or undefined
};

struct AttentionShape {
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
  double scaling = 1.0;     // multiplies q.k
  double softcap = 0;       // tanh cap on the scores; 0 = none
  double norm_eps = 1e-6;   // q/k norms
  bool norm_adds_one = false;
};

// x: [batch, seq, hidden] -> [batch, seq, hidden]. keys and values, when given, hold the cached
// positions ([batch, kv_heads, past, head_dim], possibly undefined) and receive the new ones.
torch::Tensor attention(const torch::Tensor& x, const AttentionWeights& w, const AttentionShape& shape,
                        const RopeTables& rope, const torch::Tensor& mask, torch::Tensor* keys, torch::Tensor* values);

struct MlpWeights {
  Linear gate_proj, up_proj, down_proj;
};

// down(act(gate(x)) * up(x)); act is SiLU or GELU with the tanh approximation.
torch::Tensor gated_mlp(const torch::Tensor& x, const MlpWeights& w, bool gelu_tanh);

}  // namespace guardian::models::decoders

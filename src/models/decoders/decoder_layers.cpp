#include "models/decoders/decoder_layers.h"

#include <limits>

namespace guardian::models::decoders {

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps, bool adds_one) {
  auto normed = x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return adds_one ? normed * (1.0 + weight) : weight * normed;
}

torch::Tensor additive_attention_mask(const torch::Tensor& full_mask, int64_t seq, int64_t window) {
  const int64_t total = full_mask.size(1), past = total - seq;
  auto query = torch::arange(past, total, torch::kInt64).unsqueeze(1);  // [seq, 1]
  auto key = torch::arange(0, total, torch::kInt64).unsqueeze(0);       // [1, total]
  auto visible = key <= query;                                          // [seq, total]
  if (window > 0) visible = visible.logical_and(query - key < window);
  visible = visible.unsqueeze(0).logical_and(full_mask.to(torch::kBool).unsqueeze(1));  // [batch, seq, total]
  // The lowest float, not -inf: a row with nothing visible (a padding query) stays finite.
  auto additive = torch::zeros(visible.sizes(), torch::kFloat32);
  additive.masked_fill_(visible.logical_not(), std::numeric_limits<float>::lowest());
  return additive.unsqueeze(1);
}

torch::Tensor attention(const torch::Tensor& x, const AttentionWeights& w, const AttentionShape& s,
                        const RopeTables& rope, const torch::Tensor& mask, torch::Tensor* keys, torch::Tensor* values) {
  const int64_t batch = x.size(0), seq = x.size(1);
  auto q = w.q_proj(x).view({batch, seq, s.heads, s.head_dim});     // [batch, seq, heads, head_dim]
  auto k = w.k_proj(x).view({batch, seq, s.kv_heads, s.head_dim});  // [batch, seq, kv_heads, head_dim]
  auto v = w.v_proj(x).view({batch, seq, s.kv_heads, s.head_dim}).transpose(1, 2);
  if (w.q_norm.defined()) {  // per head, before RoPE
    q = rms_norm(q, w.q_norm, s.norm_eps, s.norm_adds_one);
    k = rms_norm(k, w.k_norm, s.norm_eps, s.norm_adds_one);
  }
  q = apply_rope(q.transpose(1, 2), rope);  // [batch, heads, seq, head_dim]
  k = apply_rope(k.transpose(1, 2), rope);  // [batch, kv_heads, seq, head_dim]
  if (keys) {
    if (keys->defined()) {
      k = torch::cat({*keys, k}, 2);
      v = torch::cat({*values, v}, 2);
    }
    *keys = k;
    *values = v;
  }
  const int64_t groups = s.heads / s.kv_heads;  // query heads per key/value head
  auto k_all = k.repeat_interleave(groups, 1);  // [batch, heads, past + seq, head_dim]
  auto v_all = v.repeat_interleave(groups, 1);
  auto scores = torch::matmul(q, k_all.transpose(2, 3)) * s.scaling;  // [batch, heads, seq, past + seq]
  if (s.softcap > 0) scores = torch::tanh(scores / s.softcap) * s.softcap;
  auto probs = torch::softmax(scores + mask, -1, torch::kFloat32);
  auto context = torch::matmul(probs, v_all).transpose(1, 2).reshape({batch, seq, s.heads * s.head_dim});
  return w.o_proj(context);
}

torch::Tensor gated_mlp(const torch::Tensor& x, const MlpWeights& w, bool gelu_tanh) {
  auto gate = w.gate_proj(x);  // [batch, seq, intermediate]
  gate = gelu_tanh ? torch::gelu(gate, "tanh") : torch::silu(gate);
  return w.down_proj(gate * w.up_proj(x));
}

}  // namespace guardian::models::decoders

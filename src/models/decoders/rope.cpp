#include "models/decoders/rope.h"

#include <cmath>

namespace guardian::models::decoders {

namespace {

// 1 / base^(2i / dim) in float32, the exponent computed in float32 as transformers does.
// (Python's `scalar / tensor` is reciprocal(tensor) * scalar; written so here to round alike.)
torch::Tensor base_inv_freq(double base, int64_t dim) {
  auto exponent = torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(dim);
  return torch::pow(base, exponent).reciprocal();
}

// Llama 3.1: long wavelengths divided by factor, short ones kept, a smooth ramp between.
torch::Tensor llama3_inv_freq(const RopeParameters& rope, torch::Tensor inv_freq) {
  const double old_context = static_cast<double>(rope.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / rope.low_freq_factor;
  const double high_freq_wavelen = old_context / rope.high_freq_factor;
  auto wavelen = inv_freq.reciprocal() * (2 * M_PI);
  auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / rope.factor, inv_freq);
  auto smooth = (wavelen.reciprocal() * old_context - rope.low_freq_factor) / (rope.high_freq_factor - rope.low_freq_factor);
  auto smoothed = (1 - smooth) * scaled / rope.factor + smooth * scaled;
  auto medium = torch::logical_not(wavelen < high_freq_wavelen).logical_and(torch::logical_not(wavelen > low_freq_wavelen));
  return torch::where(medium, smoothed, scaled);
}

}  // namespace

torch::Tensor rope_inv_freq(const RopeParameters& rope, int64_t head_dim, int64_t max_position_embeddings,
                            int64_t seq_len) {
  const auto dim = static_cast<int64_t>(static_cast<double>(head_dim) * rope.partial_rotary_factor);
  if (rope.rope_type == "linear") return base_inv_freq(rope.rope_theta, dim) / rope.factor;
  if (rope.rope_type == "llama3") return llama3_inv_freq(rope, base_inv_freq(rope.rope_theta, dim));
  if (rope.rope_type == "dynamic") {
    const int64_t trained = rope.original_max_position_embeddings > 0 ? rope.original_max_position_embeddings
                                                                      : max_position_embeddings;
    if (seq_len <= trained) return base_inv_freq(rope.rope_theta, dim);
    // NTK-aware: the base grows so the longest wavelength stretches over seq_len.
    const double ratio = rope.factor * static_cast<double>(seq_len) / static_cast<double>(trained) - (rope.factor - 1);
    const double base = rope.rope_theta * std::pow(ratio, static_cast<double>(dim) / static_cast<double>(dim - 2));
    return base_inv_freq(base, dim);
  }
  return base_inv_freq(rope.rope_theta, dim);
}

RopeTables rope_tables(const RopeParameters& rope, int64_t head_dim, int64_t max_position_embeddings,
                       const torch::Tensor& position_ids) {
  const int64_t seq_len = position_ids.numel() ? position_ids.max().item<int64_t>() + 1 : 0;
  auto inv_freq = rope_inv_freq(rope, head_dim, max_position_embeddings, seq_len);  // [head_dim / 2]
  auto freqs = position_ids.to(torch::kFloat32).unsqueeze(-1) * inv_freq;          // [batch, seq, head_dim / 2]
  auto angles = torch::cat({freqs, freqs}, -1);                                    // [batch, seq, head_dim]
  return {angles.cos(), angles.sin()};
}

torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& tables) {
  const int64_t half = x.size(-1) / 2;
  auto rotated = torch::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);  // rotate_half
  return x * tables.cos.unsqueeze(1) + rotated * tables.sin.unsqueeze(1);
}

}  // namespace guardian::models::decoders

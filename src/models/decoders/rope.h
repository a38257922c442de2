// Rotary position embeddings as transformers computes them: the inverse frequencies of each rope
// type ("default", "linear", "dynamic", "llama3"), the cos/sin tables for explicit position ids,
// and their application to query and key heads.
#pragma once

#include <torch/torch.h>

#include "models/decoders/decoder_config.h"

namespace guardian::models::decoders {

// [head_dim / 2] float32. seq_len matters to "dynamic" only: past the trained context
// (original_max_position_embeddings, else max_position_embeddings) the base grows with it.
torch::Tensor rope_inv_freq(const RopeParameters& rope, int64_t head_dim, int64_t max_position_embeddings,
                            int64_t seq_len);

struct RopeTables {
  torch::Tensor cos, sin;  // [batch, seq, head_dim]
};

// position_ids: [batch, seq] int64.
RopeTables rope_tables(const RopeParameters& rope, int64_t head_dim, int64_t max_position_embeddings,
                       const torch::Tensor& position_ids);

// x: [batch, heads, seq, head_dim] -> the same, rotated (x * cos + rotate_half(x) * sin).
torch::Tensor apply_rope(const torch::Tensor& x, const RopeTables& tables);

}  // namespace guardian::models::decoders

// Turning token ids into padded tensors, and texts into token ids the way every encoder model does.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "text/tokenizer.h"

namespace guardian::models {

// Token ids with the tokenizer's specials, truncated to max_length (the end token is kept).
std::vector<int> encode_for_model(const text::Tokenizer& tokenizer, const std::string& text, int max_length);

struct TensorBatch {
  torch::Tensor input_ids;       // [batch, seq] int64, padded with pad_id to the longest row
  torch::Tensor attention_mask;  // [batch, seq] int64, 1 = token, 0 = padding
};

// rows[indices[i]] become row i; no padding beyond the longest selected row.
TensorBatch make_batch(const std::vector<std::vector<int>>& rows, const std::vector<size_t>& indices, int pad_id);

// Batches of at most batch_size indices, each holding rows of similar length (less padding).
std::vector<std::vector<size_t>> length_sorted_batches(const std::vector<std::vector<int>>& rows, size_t batch_size);

}  // namespace guardian::models

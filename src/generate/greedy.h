// Greedy decoding with a KV cache over a left-padded batch, as transformers' generate() does it
// (do_sample=False, num_beams=1): the first piece of the generation engine.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "models/decoders/decoder_model.h"

namespace guardian::generate {

struct GreedyOptions {
  int64_t max_new_tokens = 16;  // tokens added to each row at most
  bool ignore_eos = false;      // keep generating past the config's eos tokens
};

struct GreedyResult {
  torch::Tensor new_ids;                   // [batch, steps] int64; a finished row holds pad_token_id
  std::vector<torch::Tensor> step_logits;  // steps x [batch, vocab]: the logits each step chose from
};

// generate()'s positions for a left-padded batch: cumsum(mask) - 1, padding slots set to 1.
// attention_mask: [batch, seq] -> [batch, seq] int64.
torch::Tensor position_ids_from_mask(const torch::Tensor& attention_mask);

// input_ids, attention_mask: [batch, seq] int64, padding on the left. Stops after max_new_tokens,
// or once every row has produced an eos token (unless ignore_eos).
GreedyResult generate_greedy(const models::decoders::DecoderModel& model, const torch::Tensor& input_ids,
                             const torch::Tensor& attention_mask, const GreedyOptions& options);

}  // namespace guardian::generate

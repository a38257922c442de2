// Choosing the next token from a row of logits with transformers' logits processors and their
// meanings, in the order generate() applies them: repetition penalty, then (when sampling)
// temperature, top-k, top-p, min-p, then greedy argmax or a draw from the sequence's own RNG.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace guardian::generate {

struct SamplerSettings {
  bool do_sample = false;           // false: the most likely token after the repetition penalty
  double temperature = 1.0;         // logits divided by it before the filters; > 0
  int64_t top_k = 0;                // keep the k most likely tokens; 0 = off
  double top_p = 1.0;               // keep the smallest set whose probability reaches top_p; 1 = off
  double min_p = 0.0;               // drop tokens below min_p x the top token's probability; 0 = off
  double repetition_penalty = 1.0;  // > 1 discourages tokens already in prompt or output; 1 = off
  uint64_t seed = 0;                // this sequence's RNG seed
};

// InputError naming the setting when one is out of range.
void check_settings(const SamplerSettings& settings);

// Each processor on one row of logits [vocab] float32 -> [vocab]; removed tokens become -inf.
// RepetitionPenaltyLogitsProcessor: a seen token's logit is divided by the penalty when positive
// and multiplied by it when negative (so the penalty always lowers it).
torch::Tensor apply_repetition_penalty(const torch::Tensor& logits, const std::vector<int64_t>& seen, double penalty);
torch::Tensor apply_temperature(const torch::Tensor& logits, double temperature);
// Ties with the k-th logit are kept, as transformers keeps them.
torch::Tensor apply_top_k(const torch::Tensor& logits, int64_t k);
// Sorted ascending, a token goes when the probability mass up to and including it is <= 1 - top_p;
// the most likely token always stays.
torch::Tensor apply_top_p(const torch::Tensor& logits, double top_p);
// Probabilities below min_p x the largest go; the most likely token always stays.
torch::Tensor apply_min_p(const torch::Tensor& logits, double min_p);

// All of them in generate()'s order (the filters only when do_sample).
torch::Tensor process_logits(const torch::Tensor& logits, const std::vector<int64_t>& seen,
                             const SamplerSettings& settings);

// One sequence's chooser: argmax, or a draw from softmax(processed) with its own generator, so a
// sequence's tokens depend on its seed alone, not on what else is in the batch.
class Sampler {
 public:
  explicit Sampler(const SamplerSettings& settings);
  // processed: [vocab] from process_logits.
  int64_t choose(const torch::Tensor& processed);
  const SamplerSettings& settings() const { return settings_; }

 private:
  SamplerSettings settings_;
  torch::Generator generator_;
};

}  // namespace guardian::generate

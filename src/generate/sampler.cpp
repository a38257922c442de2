#include "generate/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

#include "core/error.h"

namespace guardian::generate {

namespace {

constexpr float kRemoved = -std::numeric_limits<float>::infinity();

}  // namespace

void check_settings(const SamplerSettings& s) {
  if (!(s.temperature > 0)) throw InputError("temperature must be > 0 (use greedy decoding for 0)");
  if (s.top_k < 0) throw InputError("top_k must be >= 0 (0 = off)");
  if (!(s.top_p > 0 && s.top_p <= 1)) throw InputError("top_p must be in (0, 1]");
  if (!(s.min_p >= 0 && s.min_p <= 1)) throw InputError("min_p must be in [0, 1]");
  if (!(s.repetition_penalty > 0)) throw InputError("repetition_penalty must be > 0 (1 = off)");
}

torch::Tensor apply_repetition_penalty(const torch::Tensor& logits, const std::vector<int64_t>& seen, double penalty) {
  if (penalty == 1.0 || seen.empty()) return logits;
  const auto ids = torch::tensor(seen, torch::kInt64);
  const auto score = logits.index_select(0, ids);  // a repeated id reads and writes the same value
  const auto penalised = torch::where(score < 0, score * penalty, score / penalty);
  return logits.clone().index_put_({ids}, penalised);
}

torch::Tensor apply_temperature(const torch::Tensor& logits, double temperature) {
  return temperature == 1.0 ? logits : logits / temperature;
}

torch::Tensor apply_top_k(const torch::Tensor& logits, int64_t k) {
  if (k <= 0 || k >= logits.size(0)) return logits;
  const auto kth = std::get<0>(logits.topk(k)).min();  // the k-th largest logit
  return logits.masked_fill(logits < kth, kRemoved);
}

torch::Tensor apply_top_p(const torch::Tensor& logits, double top_p) {
  if (top_p >= 1.0) return logits;
  auto [sorted, order] = logits.sort(/*dim=*/0, /*descending=*/false);
  const auto cumulative = sorted.softmax(0).cumsum(0);     // [vocab], ascending
  auto drop_sorted = cumulative <= (1.0 - top_p);
  drop_sorted.index_put_({-1}, false);  // the most likely token stays
  const auto drop = torch::zeros_like(drop_sorted).scatter(0, order, drop_sorted);
  return logits.masked_fill(drop, kRemoved);
}

torch::Tensor apply_min_p(const torch::Tensor& logits, double min_p) {
  if (min_p <= 0.0) return logits;
  const auto probs = logits.softmax(0);
  auto drop = probs < probs.max() * min_p;
  drop.index_put_({logits.argmax()}, false);
  return logits.masked_fill(drop, kRemoved);
}

torch::Tensor process_logits(const torch::Tensor& logits, const std::vector<int64_t>& seen, const SamplerSettings& s) {
  auto out = apply_repetition_penalty(logits, seen, s.repetition_penalty);
  if (!s.do_sample) return out;
  out = apply_temperature(out, s.temperature);
  out = apply_top_k(out, s.top_k);
  out = apply_top_p(out, s.top_p);
  return apply_min_p(out, s.min_p);
}

Sampler::Sampler(const SamplerSettings& settings)
    : settings_(settings), generator_(at::detail::createCPUGenerator(settings.seed)) {
  check_settings(settings_);
}

int64_t Sampler::choose(const torch::Tensor& processed) {
  if (!settings_.do_sample) return processed.argmax().item<int64_t>();
  const auto probs = processed.softmax(0, torch::kFloat64);
  return torch::multinomial(probs, 1, /*replacement=*/false, generator_).item<int64_t>();
}

}  // namespace guardian::generate

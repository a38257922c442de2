#include "generate/greedy.h"

#include "core/error.h"

namespace guardian::generate {

torch::Tensor position_ids_from_mask(const torch::Tensor& attention_mask) {
  auto mask = attention_mask.to(torch::kInt64);
  return (mask.cumsum(-1) - 1).masked_fill_(mask == 0, 1);
}

GreedyResult generate_greedy(const models::decoders::DecoderModel& model, const torch::Tensor& input_ids,
                             const torch::Tensor& attention_mask, const GreedyOptions& options) {
  if (options.max_new_tokens <= 0) throw InputError("generate: max_new_tokens must be positive");
  torch::NoGradGuard no_grad;
  const auto& config = model.config();
  const int64_t batch = input_ids.size(0);
  const auto eos = torch::tensor(config.eos_token_ids, torch::kInt64);
  const bool stop_on_eos = !options.ignore_eos && !config.eos_token_ids.empty();

  models::decoders::KvCache cache;  // this request's state, dropped at the end
  auto step = model.forward(input_ids, attention_mask, position_ids_from_mask(attention_mask), &cache);
  auto unfinished = torch::ones({batch}, torch::kBool);
  GreedyResult result;
  std::vector<torch::Tensor> chosen;
  const auto ones = torch::ones({batch, 1}, torch::kInt64);
  for (int64_t n = 0; n < options.max_new_tokens; ++n) {
    auto logits = step.logits.select(1, -1);  // [batch, vocab]
    auto next = logits.argmax(-1);            // [batch]
    if (stop_on_eos) {
      next = torch::where(unfinished, next, torch::full_like(next, config.pad_token_id));
      unfinished = unfinished.logical_and(torch::isin(next, eos).logical_not());
    }
    result.step_logits.push_back(logits);
    chosen.push_back(next);
    if (n + 1 == options.max_new_tokens || (stop_on_eos && !unfinished.any().item<bool>())) break;
    // The new token's position is the row's count of real tokens so far.
    auto positions = cache.attention_mask.sum(-1, /*keepdim=*/true);  // [batch, 1]
    step = model.forward(next.unsqueeze(1), ones, positions, &cache);
  }
  result.new_ids = torch::stack(chosen, 1);
  return result;
}

}  // namespace guardian::generate

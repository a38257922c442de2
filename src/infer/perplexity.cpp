#include "infer/perplexity.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "models/decoders/decoder_model.h"

namespace guardian::infer {

double Perplexity::perplexity() const { return std::exp(mean_nll()); }

Perplexity decoder_perplexity(const models::decoders::DecoderModel& model, const std::vector<std::vector<int>>& texts,
                              int bos, int eos, int pad, int batch_size) {
  torch::NoGradGuard no_grad;
  const int64_t limit = model.config().max_position_embeddings;
  std::vector<std::vector<int64_t>> rows;
  for (const auto& text : texts) {
    if (text.empty()) continue;
    std::vector<int64_t> row = {bos};
    row.insert(row.end(), text.begin(), text.end());
    row.push_back(eos);
    if (static_cast<int64_t>(row.size()) > limit) row.resize(static_cast<size_t>(limit));
    rows.push_back(std::move(row));
  }
  Perplexity out;
  out.texts = static_cast<int64_t>(rows.size());
  for (size_t begin = 0; begin < rows.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(rows.size(), begin + static_cast<size_t>(batch_size));
    size_t longest = 0;
    for (size_t i = begin; i < end; ++i) longest = std::max(longest, rows[i].size());
    const auto batch = static_cast<int64_t>(end - begin), seq = static_cast<int64_t>(longest);
    auto ids = torch::full({batch, seq}, pad, torch::kInt64);
    auto mask = torch::zeros({batch, seq}, torch::kInt64);
    for (size_t i = begin; i < end; ++i) {
      const auto n = static_cast<int64_t>(rows[i].size());
      ids[static_cast<int64_t>(i - begin)].slice(0, 0, n).copy_(torch::tensor(rows[i], torch::kInt64));
      mask[static_cast<int64_t>(i - begin)].slice(0, 0, n).fill_(1);
    }
    auto positions = torch::arange(seq, torch::kInt64).unsqueeze(0).expand({batch, seq}).contiguous();
    auto logits = model.forward(ids, mask, positions).logits;  // [batch, seq, vocab]
    auto log_probs = torch::log_softmax(logits.slice(1, 0, seq - 1), -1);  // [batch, seq - 1, vocab]
    auto targets = ids.slice(1, 1, seq);                                    // [batch, seq - 1]
    auto scored = mask.slice(1, 1, seq).to(torch::kBool);                   // real targets only
    auto picked = log_probs.gather(2, targets.unsqueeze(2)).squeeze(2);     // [batch, seq - 1]
    out.nll -= picked.masked_select(scored).sum().item<double>();
    out.tokens += scored.sum().item<int64_t>();
  }
  return out;
}

}  // namespace guardian::infer

#include "models/batching.h"

#include <algorithm>
#include <numeric>

namespace guardian::models {

std::vector<int> encode_for_model(const text::Tokenizer& tokenizer, const std::string& text, int max_length) {
  auto ids = tokenizer.encode(text, /*add_special_tokens=*/true).ids;
  if (static_cast<int>(ids.size()) > max_length) {
    const int eos = tokenizer.special_tokens().eos;
    ids.resize(max_length);
    if (eos >= 0) ids.back() = eos;
  }
  return ids;
}

TensorBatch make_batch(const std::vector<std::vector<int>>& rows, const std::vector<size_t>& indices, int pad_id) {
  size_t longest = 1;
  for (size_t i : indices) longest = std::max(longest, rows[i].size());
  const auto batch = static_cast<int64_t>(indices.size());
  auto ids = torch::full({batch, static_cast<int64_t>(longest)}, pad_id, torch::kInt64);
  auto mask = torch::zeros({batch, static_cast<int64_t>(longest)}, torch::kInt64);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<int64_t, 2>();
  for (int64_t r = 0; r < batch; ++r) {
    const auto& row = rows[indices[r]];
    for (size_t t = 0; t < row.size(); ++t) {
      ids_a[r][t] = row[t];
      mask_a[r][t] = 1;
    }
  }
  return {ids, mask};
}

std::vector<std::vector<size_t>> length_sorted_batches(const std::vector<std::vector<int>>& rows, size_t batch_size) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rows[a].size() < rows[b].size(); });
  std::vector<std::vector<size_t>> batches;
  for (size_t i = 0; i < order.size(); i += batch_size) {
    batches.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + batch_size));
  }
  return batches;
}

}  // namespace guardian::models

#include "models/fast_encoder.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace guardian::models {

namespace {

// Batches of fewer tokens run their products on one thread (measured: bench_throughput, issue 6).
constexpr int kSerialTokens = 256;
std::atomic<int> g_threads{0};   // 0 until configure_threads: OpenBLAS's own default
std::atomic<int> g_current{-1};  // what OpenBLAS was last told (a process-wide setting)

// One OpenBLAS thread count per batch: serial for small batches, all configured threads otherwise.
void use_threads_for(int tokens) {
  const int configured = g_threads.load(std::memory_order_relaxed);
  if (configured <= 0) return;
  const int want = tokens < kSerialTokens ? 1 : configured;
  if (g_current.exchange(want, std::memory_order_relaxed) != want) openblas_set_num_threads(want);
}

// C[m, n] = A[m, k] . W[n, k]^T: a Linear layer's product (W is the [out, in] weight).
void linear(const float* a, int m, int k, const float* w, int n, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, w, k, 0.0f, c, n);
}

// erf to ~4e-7 absolute, branch-free so the loop vectorises (a rational approximation on
// [-4, 4]; erf is +-1 in float beyond). torch::gelu is the exact (erf) GELU.
inline float fast_erf(float a) {
  const float x = std::min(std::max(a, -4.0f), 4.0f);
  const float x2 = x * x;
  float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = x2 * p + -2.10102402082508e-06f;
  p = x2 * p + -5.69250639462346e-05f;
  p = x2 * p + -7.34990630326855e-04f;
  p = x2 * p + -2.95459980854025e-03f;
  p = x2 * p + -1.60960333262415e-02f;
  p = x * p;
  float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  q = x2 * q + -1.68282697438203e-03f;
  q = x2 * q + -7.37332916720468e-03f;
  q = x2 * q + -1.42647390514189e-02f;
  return p / q;
}

// exp(x) for x <= 0 to ~1.2e-7 relative (Cephes' range reduction and polynomial), branch-free.
inline float fast_exp_nonpositive(float x) {
  x = std::max(x, -87.0f);
  // round(x / ln 2) for x <= 0 by truncation (a magic-number rounding would not survive the
  // reassociation this file is compiled with).
  const int32_t k = static_cast<int32_t>(x * 1.44269504088896341f - 0.5f);
  const auto n = static_cast<float>(k);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (k + 127) << 23;  // 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// x = LayerNorm(x + y + bias) per row of width h: the residual add fused with the norm. [rows, h]
void residual_layer_norm(float* x, const float* y, const float* bias, const float* gamma, const float* beta,
                         size_t rows, int h, float eps) {
  for (size_t r = 0; r < rows; ++r) {
    float* xr = x + r * h;
    const float* yr = y + r * h;
    float sum = 0.0f;
    for (int i = 0; i < h; ++i) {
      xr[i] += yr[i] + bias[i];
      sum += xr[i];
    }
    const float mean = sum / static_cast<float>(h);
    float var = 0.0f;
    for (int i = 0; i < h; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    const float rstd = 1.0f / std::sqrt(var / static_cast<float>(h) + eps);
    for (int i = 0; i < h; ++i) xr[i] = (xr[i] - mean) * rstd * gamma[i] + beta[i];
  }
}

// x = act(x + bias) per row of width n. [rows, n]
void bias_activation(float* x, const float* bias, size_t rows, int n, bool gelu) {
  for (size_t r = 0; r < rows; ++r) {
    float* xr = x + r * n;
    if (gelu) {
      for (int i = 0; i < n; ++i) {
        const float v = xr[i] + bias[i];
        xr[i] = 0.5f * v * (1.0f + fast_erf(v * 0.70710678118654752f));
      }
    } else {
      for (int i = 0; i < n; ++i) xr[i] = std::max(xr[i] + bias[i], 0.0f);
    }
  }
}

void add_bias(float* x, const float* bias, size_t rows, int n) {
  for (size_t r = 0; r < rows; ++r) {
    float* xr = x + r * n;
    for (int i = 0; i < n; ++i) xr[i] += bias[i];
  }
}

// Numerically stable softmax of each row of s. [rows, n]
void softmax_rows(float* s, int rows, int n) {
  for (int r = 0; r < rows; ++r) {
    float* sr = s + static_cast<size_t>(r) * n;
    float top = sr[0];
    for (int i = 1; i < n; ++i) top = std::max(top, sr[i]);
    float total = 0.0f;
    for (int i = 0; i < n; ++i) {
      sr[i] = fast_exp_nonpositive(sr[i] - top);
      total += sr[i];
    }
    const float inv = 1.0f / total;
    for (int i = 0; i < n; ++i) sr[i] *= inv;
  }
}

template <typename T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

void set_inference_threads(int threads) {
  g_threads.store(threads, std::memory_order_relaxed);
  g_current.store(threads, std::memory_order_relaxed);
  openblas_set_num_threads(threads);
}

FastClassifier::FastClassifier(FastClassifierSpec spec, const WeightSource& weights) : spec_(std::move(spec)) {
  const auto& c = spec_.encoder;
  c.validate();
  if (spec_.levels.empty()) throw ConfigError("fast classifier: the policy has no categories");
  if (spec_.pooling != "mean" && spec_.pooling != "cls") {
    throw ConfigError("fast classifier: pooling must be 'mean' or 'cls', got '" + spec_.pooling + "'");
  }
  gelu_ = c.hidden_act == "gelu";
  const int64_t h = c.hidden_size, f = c.intermediate_size;
  const std::string b = (c.model_type == "bert" ? "bert" : "roberta") + std::string(".");
  auto get = [&](const std::string& name, std::vector<int64_t> shape) { return weights(name, shape); };
  word_ = get(b + "embeddings.word_embeddings.weight", {c.vocab_size, h});
  position_ = get(b + "embeddings.position_embeddings.weight", {c.max_position_embeddings, h});
  auto types = get(b + "embeddings.token_type_embeddings.weight", {c.type_vocab_size, h});
  token_type0_.assign(types.begin(), types.begin() + h);  // the torch forward adds type 0 everywhere
  emb_ln_g_ = get(b + "embeddings.LayerNorm.weight", {h});
  emb_ln_b_ = get(b + "embeddings.LayerNorm.bias", {h});
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = b + "encoder.layer." + std::to_string(i) + ".";
    Layer l;
    for (const char* part : {"query", "key", "value"}) {
      auto w = get(p + "attention.self." + part + ".weight", {h, h});
      auto bias = get(p + "attention.self." + part + ".bias", {h});
      l.qkv_w.insert(l.qkv_w.end(), w.begin(), w.end());
      l.qkv_b.insert(l.qkv_b.end(), bias.begin(), bias.end());
    }
    l.attn_out_w = get(p + "attention.output.dense.weight", {h, h});
    l.attn_out_b = get(p + "attention.output.dense.bias", {h});
    l.attn_ln_g = get(p + "attention.output.LayerNorm.weight", {h});
    l.attn_ln_b = get(p + "attention.output.LayerNorm.bias", {h});
    l.ffn_in_w = get(p + "intermediate.dense.weight", {f, h});
    l.ffn_in_b = get(p + "intermediate.dense.bias", {f});
    l.ffn_out_w = get(p + "output.dense.weight", {h, f});
    l.ffn_out_b = get(p + "output.dense.bias", {h});
    l.ffn_ln_g = get(p + "output.LayerNorm.weight", {h});
    l.ffn_ln_b = get(p + "output.LayerNorm.bias", {h});
    layers_.push_back(std::move(l));
  }
  for (size_t i = 0; i < spec_.levels.size(); ++i) {
    const int64_t n = spec_.levels[i];
    auto w = get("heads." + std::to_string(i) + ".weight", {n, h});
    auto bias = get("heads." + std::to_string(i) + ".bias", {n});
    head_w_.insert(head_w_.end(), w.begin(), w.end());
    head_b_.insert(head_b_.end(), bias.begin(), bias.end());
    total_levels_ += static_cast<int>(n);
  }
}

std::span<const float> FastClassifier::forward(const std::vector<std::vector<int>>& rows,
                                               std::span<const size_t> indices) {
  if (indices.empty()) return {};
  embed(rows, indices);
  use_threads_for(starts_.back());
  for (const auto& l : layers_) layer(l);
  pool_and_heads(indices.size());
  return {logits_.data(), indices.size() * static_cast<size_t>(total_levels_)};
}

void FastClassifier::embed(const std::vector<std::vector<int>>& rows, std::span<const size_t> indices) {
  const auto& c = spec_.encoder;
  const int h = c.hidden_size, offset = c.position_offset();
  starts_.resize(indices.size() + 1);
  empty_.resize(indices.size());
  starts_[0] = 0;
  int longest = 1;
  for (size_t i = 0; i < indices.size(); ++i) {
    // An empty row is one padding token, as make_batch pads it (fully masked; its pooled vector is 0).
    empty_[i] = rows[indices[i]].empty();
    const int n = std::max<int>(1, static_cast<int>(rows[indices[i]].size()));
    if (n + offset > c.max_position_embeddings) {
      throw InputError("input of " + std::to_string(n) + " tokens is longer than max_position_embeddings (" +
                       std::to_string(c.max_position_embeddings) + ")");
    }
    starts_[i + 1] = starts_[i] + n;
    longest = std::max(longest, n);
  }
  const size_t tokens = starts_.back();
  grow(x_, tokens * h);
  grow(qkv_, tokens * 3 * h);
  grow(ctx_, tokens * h);
  grow(inner_, tokens * c.intermediate_size);
  grow(scores_, static_cast<size_t>(longest) * longest);
  grow(pooled_, indices.size() * h);
  grow(logits_, indices.size() * total_levels_);
  // x = word[id] + position[offset + t] + token_type[0], then LayerNorm: [tokens, hidden]
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto& row = rows[indices[i]];
    for (int t = 0; t < starts_[i + 1] - starts_[i]; ++t) {
      const int id = row.empty() ? c.pad_token_id : row[t];
      if (id < 0 || id >= c.vocab_size) {
        throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (" +
                         std::to_string(c.vocab_size) + ")");
      }
      float* xr = x_.data() + static_cast<size_t>(starts_[i] + t) * h;
      const float* w = word_.data() + static_cast<size_t>(id) * h;
      const float* p = position_.data() + static_cast<size_t>(offset + t) * h;
      for (int j = 0; j < h; ++j) xr[j] = w[j] + p[j];
    }
  }
  // The type-0 embedding plays the role of the residual's bias: x = LN(0 + x + type0).
  std::fill(ctx_.begin(), ctx_.begin() + tokens * h, 0.0f);
  residual_layer_norm(x_.data(), ctx_.data(), token_type0_.data(), emb_ln_g_.data(), emb_ln_b_.data(), tokens, h,
                      static_cast<float>(c.layer_norm_eps));
}

void FastClassifier::layer(const Layer& l) {
  const auto& c = spec_.encoder;
  const int h = c.hidden_size, f = c.intermediate_size;
  const int tokens = starts_.back();
  const auto eps = static_cast<float>(c.layer_norm_eps);
  linear(x_.data(), tokens, h, l.qkv_w.data(), 3 * h, qkv_.data());  // [tokens, 3*hidden]
  add_bias(qkv_.data(), l.qkv_b.data(), tokens, 3 * h);
  attention();                                                       // ctx_ [tokens, hidden]
  linear(ctx_.data(), tokens, h, l.attn_out_w.data(), h, qkv_.data());  // reuse qkv_ as [tokens, hidden]
  residual_layer_norm(x_.data(), qkv_.data(), l.attn_out_b.data(), l.attn_ln_g.data(), l.attn_ln_b.data(), tokens,
                      h, eps);
  linear(x_.data(), tokens, h, l.ffn_in_w.data(), f, inner_.data());  // [tokens, intermediate]
  bias_activation(inner_.data(), l.ffn_in_b.data(), tokens, f, gelu_);
  linear(inner_.data(), tokens, f, l.ffn_out_w.data(), h, ctx_.data());  // [tokens, hidden]
  residual_layer_norm(x_.data(), ctx_.data(), l.ffn_out_b.data(), l.ffn_ln_g.data(), l.ffn_ln_b.data(), tokens, h,
                      eps);
}

void FastClassifier::attention() {
  const auto& c = spec_.encoder;
  const int h = c.hidden_size, heads = c.num_attention_heads, d = h / heads, ld = 3 * h;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (size_t s = 0; s + 1 < starts_.size(); ++s) {
    const int start = starts_[s], n = starts_[s + 1] - starts_[s];
    for (int head = 0; head < heads; ++head) {
      const float* q = qkv_.data() + static_cast<size_t>(start) * ld + head * d;  // [n, d] stride ld
      const float* k = q + h;
      const float* v = q + 2 * h;
      float* out = ctx_.data() + static_cast<size_t>(start) * h + head * d;  // [n, d] stride h
      // scores = q k^T / sqrt(d): [n, n]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, scale, q, ld, k, ld, 0.0f, scores_.data(), n);
      softmax_rows(scores_.data(), n, n);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, n, 1.0f, scores_.data(), n, v, ld, 0.0f, out, h);
    }
  }
}

void FastClassifier::pool_and_heads(size_t batch) {
  const int h = spec_.encoder.hidden_size;
  const bool cls = spec_.pooling == "cls";
  for (size_t s = 0; s < batch; ++s) {
    float* p = pooled_.data() + s * h;
    const float* first = x_.data() + static_cast<size_t>(starts_[s]) * h;
    const int n = starts_[s + 1] - starts_[s];
    if (cls) {
      std::copy(first, first + h, p);
      continue;
    }
    std::fill(p, p + h, 0.0f);
    if (empty_[s]) continue;  // no token to average: the torch forward pools zeros
    for (int t = 0; t < n; ++t) {
      const float* xr = first + static_cast<size_t>(t) * h;
      for (int j = 0; j < h; ++j) p[j] += xr[j];
    }
    const float inv = 1.0f / static_cast<float>(n);
    for (int j = 0; j < h; ++j) p[j] *= inv;
  }
  linear(pooled_.data(), static_cast<int>(batch), h, head_w_.data(), total_levels_, logits_.data());
  add_bias(logits_.data(), head_b_.data(), batch, total_levels_);
}

}  // namespace guardian::models

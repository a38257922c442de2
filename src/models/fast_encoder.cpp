#include "models/fast_encoder.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "models/bf16_gemm.h"

namespace guardian::models {

namespace {

// Tokens per thread below which a batch is not split (measured with bench_throughput).
constexpr int kSerialTokens = 256;
std::atomic<int> g_threads{0};   // 0 until configure_threads: OpenBLAS's own default
std::atomic<int> g_current{-1};  // what OpenBLAS was last told (a process-wide setting)

// The OpenBLAS thread count: 1 while the fast forward runs (tokens >= 0; it parallelises by
// splitting the batch instead), the configured count otherwise (tokens < 0).
void use_threads_for(int tokens) {
  const int configured = g_threads.load(std::memory_order_relaxed);
  if (configured <= 0) return;
  const int want = tokens >= 0 ? 1 : configured;
  if (g_current.exchange(want, std::memory_order_relaxed) != want) openblas_set_num_threads(want);
}

// C[m, n] = A[m, k] . W[n, k]^T (+ bias[n] on every row): a Linear layer's product (W is the
// [out, in] weight). The bias is written first and accumulated onto (beta 1), which saves a pass.
void linear(const float* a, int m, int k, const float* w, int n, float* c, const float* bias = nullptr) {
  if (bias != nullptr) {
    for (int r = 0; r < m; ++r) std::memcpy(c + static_cast<size_t>(r) * n, bias, sizeof(float) * n);
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, w, k, bias != nullptr ? 1.0f : 0.0f, c,
              n);
}

// The element-wise kernels are built for AVX2+FMA too (picked at load time where the CPU has them).
#define GUARDIAN_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

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
GUARDIAN_VECTOR_CLONES void residual_layer_norm(float* x, const float* y, const float* bias, const float* gamma, const float* beta,
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

// x = act(x) per row of width n (the bias is in x already). [rows, n]
GUARDIAN_VECTOR_CLONES void activation(float* x, size_t rows, int n, bool gelu) {
  const size_t count = rows * n;
  if (gelu) {
    for (size_t i = 0; i < count; ++i) x[i] = 0.5f * x[i] * (1.0f + fast_erf(x[i] * 0.70710678118654752f));
  } else {
    for (size_t i = 0; i < count; ++i) x[i] = std::max(x[i], 0.0f);
  }
}

// Numerically stable softmax of each row of s. [rows, n]
GUARDIAN_VECTOR_CLONES void softmax_rows(float* s, int rows, int n) {
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

namespace {
std::string& process_precision() {
  static std::string precision = "f32";
  return precision;
}
}  // namespace

void set_inference_precision(const std::string& precision) { process_precision() = precision.empty() ? "f32" : precision; }

std::string inference_precision() {
  const std::string& p = process_precision();
  if (p != "f32" && p != "bf16") throw ConfigError("GUARDIAN_PRECISION must be 'f32' or 'bf16', got '" + p + "'");
  return p;
}

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
  const bool bf16 = spec_.precision == "bf16";
  if (!bf16 && spec_.precision != "f32") {
    throw ConfigError("fast classifier: precision must be 'f32' or 'bf16', got '" + spec_.precision + "'");
  }
  if (bf16) require_bf16_gemm();
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
    if (bf16) {
      auto convert = [](std::vector<float>& from, std::vector<uint16_t>& to) {
        to.resize(from.size());
        to_bf16(from.data(), from.size(), to.data());
        std::vector<float>().swap(from);
      };
      convert(l.qkv_w, l.qkv_w16);
      convert(l.attn_out_w, l.attn_out_w16);
      convert(l.ffn_in_w, l.ffn_in_w16);
      convert(l.ffn_out_w, l.ffn_out_w16);
    }
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

// A fixed set of threads that run the parts of one batch; the caller runs part 0.
struct FastClassifier::Workers {
  explicit Workers(int extra) {
    for (int i = 1; i <= extra; ++i) threads.emplace_back([this, i] { loop(i); });
  }
  ~Workers() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_all();
    for (auto& t : threads) t.join();
  }
  // Runs job(0..parts-1), part 0 on the calling thread; rethrows the first error of any part.
  void run(int parts, const std::function<void(int)>& fn) {
    {
      std::lock_guard lock(mutex);
      job = &fn;
      active = parts;
      pending = parts - 1;
      error = nullptr;
      ++generation;
    }
    wake.notify_all();
    std::exception_ptr mine;
    try {
      fn(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock lock(mutex);
    done.wait(lock, [this] { return pending == 0; });
    job = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error) std::rethrow_exception(error);
  }
  void loop(int part) {
    uint64_t seen = 0;
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return stop || generation != seen; });
      if (stop) return;
      seen = generation;
      if (part >= active) continue;
      const auto* fn = job;
      lock.unlock();
      std::exception_ptr failed;
      try {
        (*fn)(part);
      } catch (...) {
        failed = std::current_exception();
      }
      lock.lock();
      if (failed && !error) error = failed;
      if (--pending == 0) done.notify_one();
    }
  }

  std::mutex mutex;
  std::condition_variable wake, done;
  const std::function<void(int)>* job = nullptr;
  int active = 0, pending = 0;
  uint64_t generation = 0;
  bool stop = false;
  std::exception_ptr error;
  std::vector<std::thread> threads;
};

// Everything one forward writes: the parts' workspaces, the pooled rows and logits, the threads.
struct FastClassifier::Context::State {
  std::vector<Workspace> parts;       // one per thread a batch is split over
  std::vector<size_t> part_bounds;    // [parts + 1] where each part starts in the batch's indices
  std::vector<float> pooled;          // [batch, hidden]
  std::vector<float> logits;          // [batch, sum(levels)]
  std::unique_ptr<Workers> workers;   // threads for parts 1.. (started on the first big batch)
};

FastClassifier::Context::Context() : state_(std::make_unique<State>()) {}
FastClassifier::Context::Context(Context&&) noexcept = default;
FastClassifier::Context& FastClassifier::Context::operator=(Context&&) noexcept = default;
FastClassifier::Context::~Context() = default;

std::span<const float> FastClassifier::forward(const std::vector<std::vector<int>>& rows,
                                               std::span<const size_t> indices, Context& context) const {
  if (indices.empty()) return {};
  const auto& c = spec_.encoder;
  const int offset = c.position_offset();
  // Check every row before any work, so that no part fails half-way.
  size_t tokens = 0;
  for (size_t i : indices) {
    const auto& row = rows[i];
    const int n = std::max<int>(1, static_cast<int>(row.size()));
    if (n + offset > c.max_position_embeddings) {
      throw InputError("input of " + std::to_string(n) + " tokens is longer than max_position_embeddings (" +
                       std::to_string(c.max_position_embeddings) + ")");
    }
    for (int id : row) {
      if (id < 0 || id >= c.vocab_size) {
        throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (" +
                         std::to_string(c.vocab_size) + ")");
      }
    }
    tokens += static_cast<size_t>(n);
  }
  auto& state = *context.state_;
  grow(state.pooled, indices.size() * c.hidden_size);
  grow(state.logits, indices.size() * total_levels_);

  // Big batches split into parts of about equal tokens, one thread each, every product serial
  // (data parallel: attention and the element-wise passes run in parallel too). Small batches run
  // on the calling thread with serial products.
  const int threads = std::max(1, g_threads.load(std::memory_order_relaxed));
  const int parts = static_cast<int>(
      std::clamp<size_t>(tokens / static_cast<size_t>(kSerialTokens), 1, static_cast<size_t>(threads)));
  use_threads_for(0);  // serial products
  std::vector<size_t>& bounds = state.part_bounds;  // parts + 1 positions in indices
  bounds.assign(1, 0);
  size_t acc = 0;
  for (size_t i = 0; i < indices.size() && static_cast<int>(bounds.size()) < parts; ++i) {
    acc += std::max<size_t>(1, rows[indices[i]].size());
    if (acc * parts >= tokens * bounds.size()) bounds.push_back(i + 1);
  }
  bounds.push_back(indices.size());
  const int used = static_cast<int>(bounds.size()) - 1;
  if (static_cast<int>(state.parts.size()) < used) state.parts.resize(used);
  auto run_part = [&](int part) {
    auto& w = state.parts[part];
    const auto sub = indices.subspan(bounds[part], bounds[part + 1] - bounds[part]);
    if (sub.empty()) return;
    embed(w, rows, sub);
    for (const auto& l : layers_) layer(w, l);
    pool(w, state.pooled.data() + bounds[part] * c.hidden_size);
  };
  if (used == 1) {
    run_part(0);
  } else {
    if (!state.workers || static_cast<int>(state.workers->threads.size()) < used - 1) {
      state.workers = std::make_unique<Workers>(used - 1);
    }
    state.workers->run(used, run_part);
  }
  const int h = c.hidden_size;
  linear(state.pooled.data(), static_cast<int>(indices.size()), h, head_w_.data(), total_levels_,
         state.logits.data(), head_b_.data());
  use_threads_for(-1);  // back to the configured count for the rest of the process
  return {state.logits.data(), indices.size() * static_cast<size_t>(total_levels_)};
}

void FastClassifier::embed(Workspace& w, const std::vector<std::vector<int>>& rows,
                           std::span<const size_t> indices) const {
  const auto& c = spec_.encoder;
  const int h = c.hidden_size, offset = c.position_offset();
  w.starts.resize(indices.size() + 1);
  w.empty.resize(indices.size());
  w.starts[0] = 0;
  int longest = 1;
  for (size_t i = 0; i < indices.size(); ++i) {
    // An empty row is one padding token, as make_batch pads it (fully masked; its pooled vector is 0).
    w.empty[i] = rows[indices[i]].empty();
    const int n = std::max<int>(1, static_cast<int>(rows[indices[i]].size()));
    w.starts[i + 1] = w.starts[i] + n;
    longest = std::max(longest, n);
  }
  const size_t tokens = w.starts.back();
  grow(w.x, tokens * h);
  grow(w.qkv, tokens * 3 * h);
  grow(w.ctx, tokens * h);
  grow(w.inner, tokens * c.intermediate_size);
  grow(w.scores, static_cast<size_t>(longest) * longest);
  // x = word[id] + position[offset + t] + token_type[0], then LayerNorm: [tokens, hidden]
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto& row = rows[indices[i]];
    for (int t = 0; t < w.starts[i + 1] - w.starts[i]; ++t) {
      const int id = row.empty() ? c.pad_token_id : row[t];
      float* xr = w.x.data() + static_cast<size_t>(w.starts[i] + t) * h;
      const float* word = word_.data() + static_cast<size_t>(id) * h;
      const float* p = position_.data() + static_cast<size_t>(offset + t) * h;
      for (int j = 0; j < h; ++j) xr[j] = word[j] + p[j];
    }
  }
  // The type-0 embedding plays the role of the residual's bias: x = LN(x + 0 + type0).
  std::fill(w.ctx.begin(), w.ctx.begin() + tokens * h, 0.0f);
  residual_layer_norm(w.x.data(), w.ctx.data(), token_type0_.data(), emb_ln_g_.data(), emb_ln_b_.data(), tokens, h,
                      static_cast<float>(c.layer_norm_eps));
}

void FastClassifier::product(Workspace& w, const float* a, int m, int k, const std::vector<float>& w32,
                             const std::vector<uint16_t>& w16, int n, float* c, const float* bias) const {
  if (w16.empty()) {
    linear(a, m, k, w32.data(), n, c, bias);
    return;
  }
  if (bias != nullptr) {
    for (int r = 0; r < m; ++r) std::memcpy(c + static_cast<size_t>(r) * n, bias, sizeof(float) * n);
  }
  const size_t count = static_cast<size_t>(m) * k;
  grow(w.in16, count);
  to_bf16(a, count, w.in16.data());  // [m, k] the input rounded once per product
  bf16_gemm_nt(m, n, k, w.in16.data(), w16.data(), bias != nullptr ? 1.0f : 0.0f, c);
}

void FastClassifier::layer(Workspace& w, const Layer& l) const {
  const auto& c = spec_.encoder;
  const int h = c.hidden_size, f = c.intermediate_size;
  const int tokens = w.starts.back();
  const auto eps = static_cast<float>(c.layer_norm_eps);
  product(w, w.x.data(), tokens, h, l.qkv_w, l.qkv_w16, 3 * h, w.qkv.data(), l.qkv_b.data());  // [tokens, 3*hidden]
  attention(w);                                                                               // ctx [tokens, hidden]
  product(w, w.ctx.data(), tokens, h, l.attn_out_w, l.attn_out_w16, h, w.qkv.data());  // qkv as [tokens, hidden]
  residual_layer_norm(w.x.data(), w.qkv.data(), l.attn_out_b.data(), l.attn_ln_g.data(), l.attn_ln_b.data(), tokens,
                      h, eps);
  product(w, w.x.data(), tokens, h, l.ffn_in_w, l.ffn_in_w16, f, w.inner.data(), l.ffn_in_b.data());  // [tokens, f]
  activation(w.inner.data(), tokens, f, gelu_);
  product(w, w.inner.data(), tokens, f, l.ffn_out_w, l.ffn_out_w16, h, w.ctx.data());  // [tokens, hidden]
  residual_layer_norm(w.x.data(), w.ctx.data(), l.ffn_out_b.data(), l.ffn_ln_g.data(), l.ffn_ln_b.data(), tokens, h,
                      eps);
}

void FastClassifier::attention(Workspace& w) const {
  const auto& c = spec_.encoder;
  const int h = c.hidden_size, heads = c.num_attention_heads, d = h / heads, ld = 3 * h;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (size_t s = 0; s + 1 < w.starts.size(); ++s) {
    const int start = w.starts[s], n = w.starts[s + 1] - w.starts[s];
    for (int head = 0; head < heads; ++head) {
      const float* q = w.qkv.data() + static_cast<size_t>(start) * ld + head * d;  // [n, d] stride ld
      const float* k = q + h;
      const float* v = q + 2 * h;
      float* out = w.ctx.data() + static_cast<size_t>(start) * h + head * d;  // [n, d] stride h
      // scores = q k^T / sqrt(d): [n, n]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, scale, q, ld, k, ld, 0.0f, w.scores.data(), n);
      softmax_rows(w.scores.data(), n, n);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, n, 1.0f, w.scores.data(), n, v, ld, 0.0f, out, h);
    }
  }
}

void FastClassifier::pool(const Workspace& w, float* pooled) const {
  const int h = spec_.encoder.hidden_size;
  const bool cls = spec_.pooling == "cls";
  for (size_t s = 0; s + 1 < w.starts.size(); ++s) {
    float* p = pooled + s * h;  // [hidden]
    const float* first = w.x.data() + static_cast<size_t>(w.starts[s]) * h;
    const int n = w.starts[s + 1] - w.starts[s];
    if (cls) {
      std::copy(first, first + h, p);
      continue;
    }
    std::fill(p, p + h, 0.0f);
    if (w.empty[s]) continue;  // no token to average: the torch forward pools zeros
    for (int t = 0; t < n; ++t) {
      const float* xr = first + static_cast<size_t>(t) * h;
      for (int j = 0; j < h; ++j) p[j] += xr[j];
    }
    const float inv = 1.0f / static_cast<float>(n);
    for (int j = 0; j < h; ++j) p[j] *= inv;
  }
}

}  // namespace guardian::models

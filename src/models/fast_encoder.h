// Torch-free inference forward of the encoder classifier (BERT/RoBERTa backbone, pooled, linear
// heads): the same function as Classifier::forward in eval mode, closer to the machine. Weights are
// copied once into contiguous float buffers; the sequences of a batch are packed into one
// [tokens, hidden] matrix (no padding at all), so every projection is one cblas_sgemm over all
// tokens of the batch (Q, K and V fused into one [3*hidden, hidden] product), its bias written into
// the output before the product accumulates onto it; activation and residual+LayerNorm are fused
// passes; attention runs per sequence and head; big batches are split over threads. The weights are
// read-only after loading; the workspaces live in a Context the caller keeps and reuses.
// Precision "bf16" (opt-in) keeps the layers' four products' weights in bfloat16 (converted once
// here) and rounds each product's input to bf16 (models/bf16_gemm.h); sums stay float.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/encoder_config.h"

namespace guardian::models {

struct ClassifierImpl;

// What the fast forward computes; mirrors ClassifierOptions without torch.
struct FastClassifierSpec {
  EncoderConfig encoder;     // backbone hyper-parameters
  std::vector<int> levels;   // number of levels of each head, in policy order
  std::string pooling = "mean";  // "mean" over tokens or "cls" (first token)
  std::string precision = "f32";  // "f32", or "bf16": the layers' products in bf16 (float sums)
};

// The precision encoder models load their fast forward in ("f32", or "bf16"): a deployment choice
// (the CLI passes $GUARDIAN_PRECISION), so the model directory stays the same. Set it before
// loading models; inference_precision() throws ConfigError for a value other than those two.
void set_inference_precision(const std::string& precision);
std::string inference_precision();

// Returns the float32 values of the parameter called name (a Hugging Face state-dict key),
// row-major; throws FormatError when it is missing or its shape is not shape.
using WeightSource = std::function<std::vector<float>(const std::string& name, const std::vector<int64_t>& shape)>;

// The threads a forward may use (models::configure_threads sets it for the process, with
// OpenBLAS's count). A batch is split into parts of at least a few hundred tokens, one thread
// each, with serial products; so a small batch (batch 1) runs on the calling thread alone, where
// a second thread's hand-off would cost more than it saves on a busy machine.
void set_inference_threads(int threads);

class FastClassifier {
 public:
  // The buffers and threads one forward uses: a caller's own, so that several threads can run
  // forwards of one FastClassifier at once, each with its context. Grown to the largest batch
  // seen, so a forward allocates nothing once it has seen its largest batch.
  class Context {
   public:
    Context();
    Context(Context&&) noexcept;
    Context& operator=(Context&&) noexcept;
    ~Context();

   private:
    friend class FastClassifier;
    struct State;
    std::unique_ptr<State> state_;
  };

  FastClassifier(FastClassifierSpec spec, const WeightSource& weights);
  // Copies the weights of a trained Classifier (the torch half lives in fast_encoder_load.cpp).
  static FastClassifier from(const ClassifierImpl& net, const std::string& precision = "f32");

  // Logits of rows[indices[i]] as row i: [indices.size(), total_levels()] row-major, the heads
  // side by side as Classifier::forward returns them; they live in `context`, valid until its next
  // forward. The weights are only read: threads with contexts of their own may call it at once.
  std::span<const float> forward(const std::vector<std::vector<int>>& rows, std::span<const size_t> indices,
                                 Context& context) const;

  int total_levels() const { return total_levels_; }
  const FastClassifierSpec& spec() const { return spec_; }

 private:
  struct Layer {
    std::vector<float> qkv_w, qkv_b;        // [3*hidden, hidden], [3*hidden]: query, key, value rows
    std::vector<float> attn_out_w, attn_out_b;  // [hidden, hidden], [hidden]
    std::vector<float> attn_ln_g, attn_ln_b;    // [hidden]
    std::vector<float> ffn_in_w, ffn_in_b;      // [intermediate, hidden], [intermediate]
    std::vector<float> ffn_out_w, ffn_out_b;    // [hidden, intermediate], [hidden]
    std::vector<float> ffn_ln_g, ffn_ln_b;      // [hidden]
    // Precision bf16: the four product weights above in bf16 (those float copies are then freed).
    std::vector<uint16_t> qkv_w16, attn_out_w16, ffn_in_w16, ffn_out_w16;
  };
  // One part of a batch: its sequences packed, and the buffers its forward reuses.
  struct Workspace {
    std::vector<int> starts;      // [sequences + 1] first packed token of each sequence
    std::vector<uint8_t> empty;   // [sequences] 1 where the row had no token (packed as one padding token)
    std::vector<float> x;         // [tokens, hidden] the residual stream
    std::vector<float> qkv;       // [tokens, 3*hidden]; then [tokens, hidden] projection output
    std::vector<float> ctx;       // [tokens, hidden] attention output, then projection output
    std::vector<float> inner;     // [tokens, intermediate]
    std::vector<float> scores;    // [longest, longest] one head's attention weights
    std::vector<uint16_t> in16;   // [tokens, intermediate] a bf16 product's input (precision bf16)
  };
  struct Workers;
  void embed(Workspace& w, const std::vector<std::vector<int>>& rows, std::span<const size_t> indices) const;
  void layer(Workspace& w, const Layer& l) const;
  // c[m, n] = a[m, k] . weight^T (+ bias): sgemm on w32, or bf16 on w16 when it is not empty.
  void product(Workspace& w, const float* a, int m, int k, const std::vector<float>& w32,
               const std::vector<uint16_t>& w16, int n, float* c, const float* bias = nullptr) const;
  void attention(Workspace& w) const;
  void pool(const Workspace& w, float* pooled) const;  // -> [sequences, hidden]

  FastClassifierSpec spec_;
  int total_levels_ = 0;
  bool gelu_ = true;
  std::vector<float> word_, position_, token_type0_;  // [vocab, hidden], [positions, hidden], [hidden]
  std::vector<float> emb_ln_g_, emb_ln_b_;            // [hidden]
  std::vector<Layer> layers_;
  std::vector<float> head_w_, head_b_;                // [sum(levels), hidden], [sum(levels)]
};

}  // namespace guardian::models

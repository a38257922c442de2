// The torch-free fast forward against the libtorch Classifier it copies: the same logits (max abs
// difference < 1e-4) for both poolings, both activations, BERT and RoBERTa positions, several
// lengths, batch 1 and mixed-length batches, and a workspace reused across batch sizes; and the
// opt-in bf16 precision's probabilities within a stated tolerance of f32's.
#include <algorithm>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "models/batching.h"
#include "models/bf16_gemm.h"
#include "models/classifier.h"
#include "models/fast_encoder.h"

namespace guardian::models {
namespace {

struct Variant {
  std::string model_type, pooling, hidden_act;
};

ClassifierOptions tiny_options(const Variant& v) {
  ClassifierOptions o;
  o.encoder.model_type = v.model_type;
  o.encoder.pad_token_id = v.model_type == "bert" ? 0 : 1;
  o.encoder.hidden_act = v.hidden_act;
  o.encoder.vocab_size = 60;
  o.encoder.hidden_size = 32;
  o.encoder.num_hidden_layers = 2;
  o.encoder.num_attention_heads = 4;
  o.encoder.intermediate_size = 64;
  o.encoder.max_position_embeddings = 48;
  o.encoder.type_vocab_size = 2;
  o.pooling = v.pooling;
  o.levels = {3, 2, 5};
  return o;
}

// A trained-looking classifier: every parameter random (biases and LayerNorms too), not BERT's init.
Classifier random_classifier(const ClassifierOptions& o, uint64_t seed) {
  torch::manual_seed(seed);
  Classifier net(o);
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) {
    auto& t = p.value();
    if (p.key().find("LayerNorm.weight") != std::string::npos) t.copy_(1.0 + 0.2 * torch::randn_like(t));
    else t.copy_(0.3 * torch::randn_like(t));
  }
  net->eval();
  return net;
}

std::vector<std::vector<int>> random_rows(const std::vector<int>& lengths, int vocab, uint64_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> id(2, vocab - 1);
  std::vector<std::vector<int>> rows;
  for (int n : lengths) {
    std::vector<int> row(n);
    for (int& t : row) t = id(rng);
    rows.push_back(std::move(row));
  }
  return rows;
}

// Max abs difference between the fast logits (forward in context) and the libtorch ones for rows[indices].
float max_diff(Classifier& net, const FastClassifier& fast, FastClassifier::Context& context,
               const std::vector<std::vector<int>>& rows, const std::vector<size_t>& indices, int pad) {
  c10::InferenceMode guard;
  auto batch = make_batch(rows, indices, pad);
  auto expected = net->forward(batch.input_ids, batch.attention_mask).contiguous();  // [batch, sum(levels)]
  auto got = fast.forward(rows, indices, context);
  EXPECT_EQ(got.size(), static_cast<size_t>(expected.numel()));
  float worst = 0.0f;
  const float* e = expected.data_ptr<float>();
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - e[i]));
  return worst;
}

class FastEncoderTest : public ::testing::TestWithParam<Variant> {};

TEST_P(FastEncoderTest, MatchesTheLibtorchForward) {
  const auto o = tiny_options(GetParam());
  auto net = random_classifier(o, 7);
  auto fast = FastClassifier::from(*net);
  EXPECT_EQ(fast.total_levels(), 10);
  const int pad = o.encoder.pad_token_id;
  const int longest = o.encoder.max_position_embeddings - o.encoder.position_offset();
  const auto rows = random_rows({1, 2, 5, 7, 13, 19, 31, longest}, o.encoder.vocab_size, 11);
  FastClassifier::Context context;
  for (size_t i = 0; i < rows.size(); ++i) {  // batch 1, every length
    EXPECT_LT(max_diff(net, fast, context, rows, {i}, pad), 1e-4f) << "length " << rows[i].size();
  }
  EXPECT_LT(max_diff(net, fast, context, rows, {3, 0, 7, 5, 1, 6, 2, 4}, pad), 1e-4f) << "mixed batch";
  EXPECT_LT(max_diff(net, fast, context, rows, {2, 6}, pad), 1e-4f) << "smaller batch on the grown workspace";
  EXPECT_LT(max_diff(net, fast, context, rows, {4}, pad), 1e-4f) << "batch 1 after a batch";
}

TEST_P(FastEncoderTest, BigBatchesSplitOverThreadsMatchToo) {
  const auto o = tiny_options(GetParam());
  auto net = random_classifier(o, 9);
  auto fast = FastClassifier::from(*net);
  std::vector<int> lengths;
  for (int i = 0; i < 60; ++i) lengths.push_back(1 + (i * 7) % 40);  // ~1200 tokens: split in parts
  const auto rows = random_rows(lengths, o.encoder.vocab_size, 13);
  std::vector<size_t> all(rows.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  FastClassifier::Context context;
  for (int threads : {3, 2, 1}) {
    set_inference_threads(threads);
    EXPECT_LT(max_diff(net, fast, context, rows, all, o.encoder.pad_token_id), 1e-4f) << threads << " threads";
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, FastEncoderTest,
                         ::testing::Values(Variant{"bert", "mean", "gelu"}, Variant{"bert", "cls", "gelu"},
                                           Variant{"bert", "mean", "relu"}, Variant{"bert", "cls", "relu"},
                                           Variant{"roberta", "mean", "gelu"}, Variant{"roberta", "cls", "relu"}),
                         [](const auto& info) {
                           return info.param.model_type + "_" + info.param.pooling + "_" + info.param.hidden_act;
                         });

// One FastClassifier's weights shared by threads, each with a context of its own: every thread
// gets, bit for bit, what one thread alone gets, on batches of other sizes running beside it.
TEST(FastEncoderContexts, ThreadsSharingTheWeightsGetWhatOneThreadGets) {
  const auto o = tiny_options({"roberta", "mean", "gelu"});
  auto net = random_classifier(o, 21);
  const auto fast = FastClassifier::from(*net);
  std::vector<int> lengths;
  for (int i = 0; i < 40; ++i) lengths.push_back(1 + (i * 13) % 40);
  const auto rows = random_rows(lengths, o.encoder.vocab_size, 23);
  std::vector<std::vector<size_t>> batches;
  for (size_t size : {1u, 3u, 8u, 17u, 40u}) {
    std::vector<size_t> batch(size);
    for (size_t i = 0; i < size; ++i) batch[i] = (i * 7 + size) % rows.size();
    batches.push_back(batch);
  }
  set_inference_threads(1);
  std::vector<std::vector<float>> alone;
  FastClassifier::Context context;
  for (const auto& batch : batches) {
    const auto got = fast.forward(rows, batch, context);
    alone.emplace_back(got.begin(), got.end());
  }
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      FastClassifier::Context own;
      for (int round = 0; round < 20; ++round) {
        const size_t b = static_cast<size_t>(t + round) % batches.size();  // threads on different sizes at once
        const auto got = fast.forward(rows, batches[b], own);
        if (!std::equal(got.begin(), got.end(), alone[b].begin(), alone[b].end())) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(FastEncoderErrors, TooLongOrUnknownTokensAreInputErrors) {
  const auto o = tiny_options({"bert", "mean", "gelu"});
  auto net = random_classifier(o, 1);
  auto fast = FastClassifier::from(*net);
  const std::vector<std::vector<int>> too_long{std::vector<int>(o.encoder.max_position_embeddings + 1, 5)};
  FastClassifier::Context context;
  EXPECT_THROW(fast.forward(too_long, std::vector<size_t>{0}, context), InputError);
  const std::vector<std::vector<int>> unknown{{2, o.encoder.vocab_size, 3}};
  EXPECT_THROW(fast.forward(unknown, std::vector<size_t>{0}, context), InputError);
}

TEST(FastEncoderErrors, MissingWeightIsAFormatError) {
  FastClassifierSpec spec{tiny_options({"bert", "mean", "gelu"}).encoder, {2}, "mean"};
  auto none = [](const std::string& name, const std::vector<int64_t>&) -> std::vector<float> {
    throw FormatError("no " + name);
  };
  EXPECT_THROW(FastClassifier(spec, none), FormatError);
}

// Softmax of each head's slice of one row of logits laid side by side: [rows, sum(levels)].
std::vector<float> head_probabilities(std::span<const float> logits, const std::vector<int>& levels) {
  std::vector<float> out(logits.begin(), logits.end());
  for (size_t at = 0; at < out.size();) {
    for (int n : levels) {
      float* p = out.data() + at;
      const float top = *std::max_element(p, p + n);
      float total = 0.0f;
      for (int i = 0; i < n; ++i) total += p[i] = std::exp(p[i] - top);
      for (int i = 0; i < n; ++i) p[i] /= total;
      at += n;
    }
  }
  return out;
}

TEST(FastEncoderBf16, RoundsToNearestEven) {
  const float in[] = {1.0f, 1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, -2.5f, std::nanf("")};
  bf16 out[5];
  to_bf16(in, 5, out);
  EXPECT_EQ(from_bf16(out[0]), 1.0f);
  EXPECT_EQ(from_bf16(out[1]), 1.0f) << "a tie goes to the even mantissa";
  EXPECT_EQ(from_bf16(out[2]), 1.0f + 4 * 0x1p-8f) << "a tie goes to the even mantissa, upwards here";
  EXPECT_EQ(from_bf16(out[3]), -2.5f);
  EXPECT_TRUE(std::isnan(from_bf16(out[4])));
}

// The stated tolerance of precision bf16: every probability within 0.02 of f32's on a tiny random
// model (weights 0.3 * N(0, 1), so logits of several units: harsher than a trained model's).
TEST(FastEncoderBf16, ProbabilitiesStayWithinToleranceOfF32) {
  ASSERT_FALSE(bf16_gemm_backend().empty()) << "no bf16 product here (no cblas_sbgemm, no libdnnl.so.2 from libtorch's libdnnl2)";
  const auto o = tiny_options({"bert", "mean", "gelu"});
  auto net = random_classifier(o, 5);
  auto f32 = FastClassifier::from(*net);
  auto b16 = FastClassifier::from(*net, "bf16");
  std::vector<int> lengths;
  for (int i = 0; i < 60; ++i) lengths.push_back(1 + (i * 11) % 45);
  const auto rows = random_rows(lengths, o.encoder.vocab_size, 17);
  std::vector<size_t> all(rows.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  FastClassifier::Context f32_context, b16_context;
  for (int threads : {2, 1}) {  // a batch split over threads, and serial
    set_inference_threads(threads);
    const auto want = head_probabilities(f32.forward(rows, all, f32_context), o.levels);
    const auto got = head_probabilities(b16.forward(rows, all, b16_context), o.levels);
    ASSERT_EQ(got.size(), want.size());
    float worst = 0.0f;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    RecordProperty("worst_abs_probability_diff_" + std::to_string(threads) + "_threads", std::to_string(worst));
    EXPECT_LT(worst, 0.02f) << threads << " threads";
    EXPECT_GT(worst, 0.0f) << "the bf16 path ran (its rounding shows)";
  }
  for (size_t i : {0, 7}) {  // batch 1 through the grown workspace
    const auto want = head_probabilities(f32.forward(rows, std::vector<size_t>{i}, f32_context), o.levels);
    const auto got = head_probabilities(b16.forward(rows, std::vector<size_t>{i}, b16_context), o.levels);
    for (size_t j = 0; j < got.size(); ++j) EXPECT_NEAR(got[j], want[j], 0.02f) << "row " << i;
  }
}

TEST(FastEncoderBf16, UnknownPrecisionIsAConfigError) {
  auto net = random_classifier(tiny_options({"bert", "mean", "gelu"}), 1);
  EXPECT_THROW(FastClassifier::from(*net, "int4"), ConfigError);
}

}  // namespace
}  // namespace guardian::models

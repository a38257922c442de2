// The ensemble model kind and the embedding-bag n-gram variant: the combination rule, a model
// directory of members that round-trips, and config files that fail loudly when they disagree.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json_file.h"
#include "models/ensemble_model.h"
#include "models/model.h"
#include "models/model_dir.h"
#include "models/ngram_model.h"
#include "policy/policy.h"

namespace guardian::models {
namespace {

namespace fs = std::filesystem;

policy::Policy binary_policy() {
  return policy::Policy::parse(R"(
name = "test"
version = "1"
[[category]]
name = "toxic"
levels = ["clean", "toxic"]
)", "test.toml");
}

// A small n-gram model with deterministic weights; dim 0 = linear, else an embedding bag.
NgramWeights make_weights(const NgramSpec& spec, float salt) {
  NgramFeaturizer featurizer(spec.features);
  NgramWeights w;
  w.dim = spec.dim;
  w.idf.assign(featurizer.buckets(), 1.0f);
  const size_t rows = spec.dim == 0 ? featurizer.buckets() : static_cast<size_t>(spec.dim);
  w.weight.resize(rows * spec.outputs());
  for (size_t i = 0; i < w.weight.size(); ++i) w.weight[i] = std::sin(salt + static_cast<float>(i));
  if (spec.dim > 0) {
    w.embedding.resize(static_cast<size_t>(featurizer.buckets()) * spec.dim);
    for (size_t i = 0; i < w.embedding.size(); ++i) w.embedding[i] = std::cos(salt * static_cast<float>(i));
  }
  w.bias.assign(spec.outputs(), 0.1f);
  return w;
}

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("guardian_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(EnsembleTest, LogSoftmaxIsNormalisedPerCategory) {
  auto lp = log_softmax({{1.0f, 2.0f, 3.0f}, {0.0f, 0.0f}});
  for (const auto& c : lp) {
    double total = 0;
    for (float v : c) total += std::exp(v);
    EXPECT_NEAR(total, 1.0, 1e-6);
  }
  EXPECT_NEAR(lp[1][0], std::log(0.5), 1e-6);
}

TEST(EnsembleTest, GateScoreIsTheLargestHarmfulProbability) {
  // P(level >= 1) = 1 - P(level 0): 0.2 for the first category, 0.7 for the second.
  const CategoryLogits lp = {{std::log(0.8f), std::log(0.2f)}, {std::log(0.3f), std::log(0.5f), std::log(0.2f)}};
  EXPECT_NEAR(gate_score(lp, {true, true}), 0.7f, 1e-6);
  // A category that never decides (the default policy's General) does not gate.
  EXPECT_NEAR(gate_score(lp, {true, false}), 0.2f, 1e-6);
}

TEST(EnsembleTest, CombineIsTheWeightedSumPlusBias) {
  EnsembleSpec spec{{"a", "b"}, {{0.25f, 0.75f}}, {{0.0f, 1.0f}}};
  auto out = combine(spec, {{{-1.0f, -2.0f}}, {{-3.0f, -4.0f}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FLOAT_EQ(out[0][0], 0.25f * -1.0f + 0.75f * -3.0f);
  EXPECT_FLOAT_EQ(out[0][1], 1.0f + 0.25f * -2.0f + 0.75f * -4.0f);
}

TEST(EnsembleTest, BagModelRoundTripsThroughItsDirectory) {
  NgramSpec spec;
  spec.features.buckets_log2 = 10;
  spec.levels = {2};
  spec.dim = 8;
  const auto w = make_weights(spec, 0.3f);
  const auto dir = temp_dir("bag");
  save_ngram_model(dir, spec, w, binary_policy());
  auto model = load_model(dir);
  NgramFeaturizer featurizer(spec.features);
  std::vector<float> expected(2);
  w.logits(featurizer.weighted("you idiot", w.idf), 2, expected.data());
  auto scores = model->score({"you idiot"});
  EXPECT_FLOAT_EQ(scores[0][0][0], expected[0]);
  EXPECT_FLOAT_EQ(scores[0][0][1], expected[1]);
  fs::remove_all(dir);
}

TEST(EnsembleTest, DirectoryOfMembersScoresAsTheCombination) {
  const auto dir = temp_dir("ensemble");
  NgramSpec linear, bag;
  linear.features.buckets_log2 = bag.features.buckets_log2 = 10;
  linear.levels = bag.levels = {2};
  bag.dim = 4;
  save_ngram_model(dir / kMembersDir / "ngram", linear, make_weights(linear, 0.1f), binary_policy());
  save_ngram_model(dir / kMembersDir / "ngram_bag", bag, make_weights(bag, 0.7f), binary_policy());
  EnsembleSpec spec{{"ngram", "ngram_bag"}, {{0.6f, 0.4f}}, {{0.0f, -0.2f}}};
  core::write_json_file(dir / kConfigFile, ensemble_spec_to_json(spec));
  binary_policy().save(dir / kPolicyFile);

  auto model = load_model(dir);
  EXPECT_EQ(model->kind(), "ensemble");
  const std::vector<std::string> texts = {"you idiot", "have a nice day"};
  auto scores = model->score(texts);
  auto a = load_model(dir / kMembersDir / "ngram")->score(texts);
  auto b = load_model(dir / kMembersDir / "ngram_bag")->score(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    auto expected = combine(spec, {log_softmax(a[i]), log_softmax(b[i])});
    EXPECT_FLOAT_EQ(scores[i][0][0], expected[0][0]);
    EXPECT_FLOAT_EQ(scores[i][0][1], expected[0][1]);
  }

  // The cascade: a gate threshold above every score lets every message skip the second member
  // (each keeps the gate's scores); a threshold of 0 sends every message to the full ensemble.
  spec.gate = 0;
  spec.gate_threshold = 1.5f;
  core::write_json_file(dir / kConfigFile, ensemble_spec_to_json(spec));
  auto gated = load_model(dir);
  auto skipped = gated->score(texts);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_FLOAT_EQ(skipped[i][0][1], log_softmax(a[i])[0][1]);
  EXPECT_EQ(dynamic_cast<EnsembleModel&>(*gated).skipped(), texts.size());
  spec.gate_threshold = 0.0f;
  core::write_json_file(dir / kConfigFile, ensemble_spec_to_json(spec));
  auto open = load_model(dir);
  auto full = open->score(texts);
  EXPECT_FLOAT_EQ(full[0][0][1], scores[0][0][1]);
  EXPECT_EQ(dynamic_cast<EnsembleModel&>(*open).skipped(), 0u);
  spec.gate = -1;

  // A member missing, or weights that do not match the members: clear errors, not a crash.
  auto broken = ensemble_spec_to_json(spec);
  broken["guardian"]["weights"] = {{1.0}};
  core::write_json_file(dir / kConfigFile, broken);
  EXPECT_THROW(load_model(dir), FormatError);
  broken = ensemble_spec_to_json(spec);
  broken["guardian"]["members"] = {"ngram", "../elsewhere"};
  core::write_json_file(dir / kConfigFile, broken);
  EXPECT_THROW(load_model(dir), FormatError);
  core::write_json_file(dir / kConfigFile, ensemble_spec_to_json(spec));
  fs::remove_all(dir / kMembersDir / "ngram_bag");
  EXPECT_THROW(load_model(dir), InputError);
  fs::remove_all(dir);
}

// One loaded model shared by threads (as the server's requests would share it): each thread's
// scores equal one thread's, and the cascade's counters count every message once.
TEST(EnsembleTest, ThreadsScoringOneModelAtOnceGetWhatOneThreadGets) {
  const auto dir = temp_dir("ensemble_threads");
  NgramSpec linear, bag;
  linear.features.buckets_log2 = bag.features.buckets_log2 = 10;
  linear.levels = bag.levels = {2};
  bag.dim = 4;
  save_ngram_model(dir / kMembersDir / "ngram", linear, make_weights(linear, 0.3f), binary_policy());
  save_ngram_model(dir / kMembersDir / "ngram_bag", bag, make_weights(bag, 0.9f), binary_policy());
  EnsembleSpec spec{{"ngram", "ngram_bag"}, {{0.5f, 0.5f}}, {{0.0f, 0.1f}}};
  spec.gate = 0;
  spec.gate_threshold = 0.5f;
  core::write_json_file(dir / kConfigFile, ensemble_spec_to_json(spec));
  binary_policy().save(dir / kPolicyFile);
  const std::shared_ptr<const Model> model = load_model(dir);
  std::vector<std::string> texts;
  for (int i = 0; i < 50; ++i) texts.push_back("message " + std::to_string(i * i) + (i % 3 ? " idiot" : " hello"));
  const auto alone = model->score(texts);
  constexpr int kThreads = 4, kRounds = 10;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        if (model->score(texts) != alone) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  EXPECT_EQ(dynamic_cast<const EnsembleModel&>(*model).scored(), texts.size() * (1 + kThreads * kRounds));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace guardian::models

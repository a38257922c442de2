// The n-gram model kind: feature extraction (spacing and initial-consonant robustness), idf,
// and a model directory that round-trips and fails loudly when its weights are truncated.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/safetensors.h"
#include "models/model.h"
#include "models/ngram_model.h"
#include "policy/policy.h"

namespace guardian::models {
namespace {

std::set<uint32_t> buckets_of(const Features& f) {
  std::set<uint32_t> out;
  for (const auto& [b, v] : f) out.insert(b);
  return out;
}

size_t shared(const Features& a, const Features& b) {
  auto sa = buckets_of(a), sb = buckets_of(b);
  size_t n = 0;
  for (auto x : sa) n += sb.count(x);
  return n;
}

TEST(NgramFeaturesTest, DeterministicSortedAndNormalised) {
  NgramFeaturizer f({});
  auto a = f.weighted("You are an idiot", {});
  auto b = f.weighted("You are an idiot", {});
  ASSERT_EQ(a, b);
  ASSERT_TRUE(std::is_sorted(a.begin(), a.end()));
  double norm = 0;
  for (const auto& [bucket, v] : a) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST(NgramFeaturesTest, CaseIsFolded) {
  NgramFeaturizer f({});
  EXPECT_EQ(f.extract("IDIOT"), f.extract("idiot"));
}

TEST(NgramFeaturesTest, SpacingGamesShareDespacedFeatures) {
  NgramFeatureOptions with;
  NgramFeatureOptions without;
  without.despaced_max = 0;
  NgramFeaturizer a(with), b(without);
  // "병 신" and "병신": without de-spaced n-grams the two share almost nothing.
  EXPECT_GT(shared(a.extract("병 신"), a.extract("병신")), shared(b.extract("병 신"), b.extract("병신")));
}

TEST(NgramFeaturesTest, InitialConsonantsMatchTheAbbreviation) {
  NgramFeatureOptions on;
  NgramFeatureOptions off;
  off.choseong = false;
  NgramFeaturizer a(on), b(off);
  // Users write "ㅂㅅ" for "병신": with choseong features the two share a feature.
  EXPECT_GT(shared(a.extract("병신"), a.extract("ㅂㅅ")), shared(b.extract("병신"), b.extract("ㅂㅅ")));
}

TEST(NgramFeaturesTest, BucketsAreStableAcrossVersions) {
  // Saved n-gram models index their weights by these buckets: a change to the hashing would make
  // every model on disk score garbage. Pinned from the first release's implementation.
  NgramFeatureOptions options;
  options.char_min = 1;
  NgramFeaturizer f(options);
  const auto x = f.extract("You <3 병신 ㅂㅅ idiot idiot");
  ASSERT_EQ(x.size(), 111u);
  EXPECT_EQ(x[0].first, 1409u);
  EXPECT_EQ(x[1].first, 3326u);
  EXPECT_EQ(x.back().first, 1027243u);
}

TEST(NgramFeaturesTest, WordsOnlyCountsOneFeaturePerWordAndBigram) {
  NgramFeatureOptions words;
  words.char_max = 0;  // no character n-grams
  words.despaced_max = 0;
  words.choseong = false;
  NgramFeaturizer f(words);
  EXPECT_EQ(f.extract("you absolute idiot").size(), 5u);  // 3 words + 2 bigrams
  // A misspelling shares nothing with the word (the character n-grams are what would link them).
  EXPECT_EQ(shared(f.extract("idiot"), f.extract("idiiot")), 0u);
  NgramFeaturizer full({});
  EXPECT_GT(shared(full.extract("idiot"), full.extract("idiiot")), 0u);
}

TEST(NgramFeaturesTest, IdfDownweightsCommonFeatures) {
  NgramFeaturizer f({});
  std::vector<Features> docs = {f.extract("the cat"), f.extract("the dog"), f.extract("the bird")};
  auto idf = fit_idf(docs, f.buckets());
  const auto the = f.extract("the").front().first;   // the lowest bucket of "the" is one of its features
  const auto cat = f.extract("cat").front().first;
  EXPECT_LE(idf[the], idf[cat]);
  // A bucket no document has weighs nothing (scikit-learn leaves such terms out of its vocabulary).
  std::set<uint32_t> seen;
  for (const auto& doc : docs) for (const auto& [b, v] : doc) seen.insert(b);
  uint32_t unseen = 0;
  while (seen.count(unseen)) ++unseen;
  EXPECT_EQ(idf[unseen], 0.0f);
}

policy::Policy two_category_policy() {
  return policy::Policy::parse(R"(
name = "test"
version = "1"
[[category]]
name = "insult"
levels = ["none", "mild", "severe"]
[[category]]
name = "toxic"
levels = ["clean", "toxic"]
)", "test.toml");
}

TEST(NgramModelTest, SavedModelScoresTheSameAfterLoading) {
  NgramSpec spec;
  spec.features.buckets_log2 = 12;
  spec.levels = {3, 2};
  NgramFeaturizer featurizer(spec.features);
  NgramWeights w;
  w.idf.assign(featurizer.buckets(), 1.0f);
  w.weight.resize(static_cast<size_t>(featurizer.buckets()) * 5);
  for (size_t i = 0; i < w.weight.size(); ++i) w.weight[i] = static_cast<float>((i * 7919) % 13) / 13.0f - 0.5f;
  w.bias = {0.1f, -0.2f, 0.3f, 0.0f, 0.5f};
  const auto dir = std::filesystem::temp_directory_path() / ("guardian_ngram_" + std::to_string(::getpid()));
  save_ngram_model(dir, spec, w, two_category_policy());

  auto model = load_model(dir);
  EXPECT_EQ(model->kind(), "ngram");
  auto scores = model->score({"you idiot", "좋은 하루"});
  ASSERT_EQ(scores.size(), 2u);
  std::vector<float> expected(5);
  w.logits(featurizer.weighted("you idiot", w.idf), 5, expected.data());
  EXPECT_FLOAT_EQ(scores[0][0][0], expected[0]);
  EXPECT_FLOAT_EQ(scores[0][1][1], expected[4]);

  std::filesystem::resize_file(dir / "model.safetensors", std::filesystem::file_size(dir / "model.safetensors") - 7);
  EXPECT_THROW(load_model(dir), FormatError);
  std::filesystem::remove_all(dir);
}

TEST(NgramModelTest, BagStoresOnlyTheRowsOfBucketsSeenInTraining) {
  NgramSpec spec;
  spec.features.buckets_log2 = 16;
  spec.levels = {3, 2};
  spec.dim = 4;
  NgramFeaturizer featurizer(spec.features);
  // idf as training leaves it: 0 for every bucket no training text has ("you idiot"'s only).
  std::vector<Features> training = {featurizer.extract("you idiot")};
  NgramWeights w;
  w.dim = spec.dim;
  w.idf = fit_idf(training, featurizer.buckets());
  w.embedding.resize(static_cast<size_t>(featurizer.buckets()) * spec.dim);
  for (size_t i = 0; i < w.embedding.size(); ++i) w.embedding[i] = static_cast<float>((i * 7919) % 17) / 17.0f - 0.5f;
  w.weight.resize(static_cast<size_t>(spec.dim) * 5);
  for (size_t i = 0; i < w.weight.size(); ++i) w.weight[i] = static_cast<float>((i * 31) % 11) / 11.0f - 0.5f;
  w.bias = {0.1f, -0.2f, 0.3f, 0.0f, 0.5f};
  const auto dir = std::filesystem::temp_directory_path() / ("guardian_ngram_bag_" + std::to_string(::getpid()));
  save_ngram_model(dir, spec, w, two_category_policy());

  const auto file = core::SafetensorsFile::load(dir / "model.safetensors");
  EXPECT_EQ(file.get("embedding").shape[0], static_cast<int64_t>(training[0].size()));
  auto model = load_model(dir);
  auto scores = model->score({"you idiot", "you fool", "좋은 하루"});
  ASSERT_EQ(scores.size(), 3u);
  for (size_t t = 0; t < 2; ++t) {
    std::vector<float> expected(5);
    w.logits(featurizer.weighted(t == 0 ? "you idiot" : "you fool", w.idf), 5, expected.data());
    EXPECT_NEAR(scores[t][0][0], expected[0], 1e-6);
    EXPECT_NEAR(scores[t][1][1], expected[4], 1e-6);
  }
  // A text of unseen n-grams only scores as the bias.
  EXPECT_FLOAT_EQ(scores[2][0][2], 0.3f);
  EXPECT_FLOAT_EQ(scores[2][1][1], 0.5f);

  // A bag saved before rows were left out (every row stored, no embedding_buckets) scores the same.
  const int64_t buckets = featurizer.buckets();
  core::write_safetensors(dir / "model.safetensors",
                          {{"bias", core::DType::kF32, {5}, w.bias.data(), w.bias.size() * sizeof(float)},
                           {"idf", core::DType::kF32, {buckets}, w.idf.data(), w.idf.size() * sizeof(float)},
                           {"weight", core::DType::kF32, {spec.dim, 5}, w.weight.data(), w.weight.size() * sizeof(float)},
                           {"embedding", core::DType::kF32, {buckets, spec.dim}, w.embedding.data(),
                            w.embedding.size() * sizeof(float)}},
                          {{"format", "guardian-ngram"}});
  auto dense = load_model(dir)->score({"you idiot"});
  EXPECT_NEAR(dense[0][0][0], scores[0][0][0], 1e-6);
  std::filesystem::remove_all(dir);
}

TEST(NgramModelTest, MissingDirectoryIsAnInputError) {
  EXPECT_THROW(load_model("/nonexistent/guardian/model"), InputError);
}

}  // namespace
}  // namespace guardian::models

// The n-gram model kind: feature extraction (spacing and initial-consonant robustness), idf,
// and a model directory that round-trips and fails loudly when its weights are truncated.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json_file.h"
#include "models/model.h"
#include "models/model_dir.h"
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

TEST(NgramFeaturesTest, SqueezeGivesAWordWithInsertedSymbolsItsOwnFeaturesBack) {
  NgramFeatureOptions on;
  on.squeeze = true;
  NgramFeaturizer squeezed(on), plain(NgramFeatureOptions{});
  for (const auto& [dodged, word] : std::vector<std::pair<std::string, std::string>>{
           {"id.iot", "idiot"}, {"시1발", "시발"}, {"f*ck_er", "fcker"}, {"idiot,", "idiot"}}) {
    // Every feature of the word alone is among the dodged word's with squeeze.
    const auto alone = buckets_of(squeezed.extract(word));
    EXPECT_EQ(shared(squeezed.extract(dodged), squeezed.extract(word)), alone.size()) << dodged;
    EXPECT_GT(shared(squeezed.extract(dodged), squeezed.extract(word)), shared(plain.extract(dodged), plain.extract(word)))
        << dodged;
  }
  // A text without symbols gets the same features; one of symbols alone loses its de-spaced n-grams.
  EXPECT_EQ(squeezed.extract("you idiot"), plain.extract("you idiot"));
  NgramFeatureOptions words_only;
  words_only.despaced_max = 0;
  EXPECT_EQ(squeezed.extract("<3 ... 2024"), NgramFeaturizer(words_only).extract("<3 ... 2024"));
}

TEST(NgramFeaturesTest, LeetReadsLookAlikesAsTheLettersTheyStandFor) {
  NgramFeatureOptions on;
  on.leet = true;
  NgramFeaturizer leet(on), plain(NgramFeatureOptions{});
  for (const auto& [dodged, word] : std::vector<std::pair<std::string, std::string>>{
           {"1d10t", "idiot"}, {"sh1t", "shit"}, {"a$$", "ass"}, {"h4t3", "hate"}, {"B17CH", "bitch"}, {"l053r", "loser"}}) {
    // Every feature of the word alone is among the dodged word's with leet.
    const auto alone = buckets_of(leet.extract(word));
    EXPECT_EQ(shared(leet.extract(dodged), leet.extract(word)), alone.size()) << dodged;
    EXPECT_GT(shared(leet.extract(dodged), leet.extract(word)), shared(plain.extract(dodged), plain.extract(word)))
        << dodged;
  }
  // Nothing to read: no look-alike, no ASCII letter beside them, a mention, hashtag or link.
  for (const char* text : {"you idiot", "2024 10:30 $5", "@user1 @b0b", "#b3st", "https://t.co/ab1", "시1발"}) {
    EXPECT_EQ(leet.extract(text), plain.extract(text)) << text;
  }
}

TEST(NgramFeaturesTest, WithSqueezeTheWordAsReadIsWhatIsSqueezed) {
  NgramFeatureOptions both;
  both.leet = both.squeeze = true;
  NgramFeaturizer featurizer(both);
  // "sh1t!" is read as "shit!" and squeezed to "shit": every feature of "shit" is among its own
  // (squeezing the word as written would give "sht", and the unigram "shit" would be missing).
  for (const auto& [dodged, word] : std::vector<std::pair<std::string, std::string>>{
           {"sh1t!", "shit"}, {"1d10t,", "idiot"}, {"l0$3r...", "loser"}}) {
    EXPECT_EQ(shared(featurizer.extract(dodged), featurizer.extract(word)), buckets_of(featurizer.extract(word)).size())
        << dodged;
  }
}

TEST(NgramFeaturesTest, JamoGivesAHangulWordWithSyllablesTypedOtherwiseFeaturesOfTheWord) {
  NgramFeatureOptions on;
  on.jamo = true;
  NgramFeaturizer jamo(on), plain(NgramFeatureOptions{});
  // Some syllables typed as their initials, a doubled consonant, a dropped final consonant: with
  // jamo the pair shares more features than without.
  for (const auto& [dodged, word] : std::vector<std::pair<std::string, std::string>>{
           {"ㅅ발", "시발"}, {"병ㅅ", "병신"}, {"씨발", "시발"}, {"시바", "시발"}, {"ㅈ같네", "좆같네"}}) {
    // At least three letter n-grams in common (ㅅ발/시발: "ㅂㅏㄹ", "ㅏㄹ>", "ㅂㅏㄹ>").
    EXPECT_GE(shared(jamo.extract(dodged), jamo.extract(word)), shared(plain.extract(dodged), plain.extract(word)) + 3)
        << dodged;
  }
  // Words without a Hangul syllable get the features they had: English, numbers, initials alone.
  for (const char* text : {"you idiot", "2024 10:30 $5", "ㅋㅋㅋ ㅅㅂ", "@user1 #tag"}) {
    EXPECT_EQ(jamo.extract(text), plain.extract(text)) << text;
  }
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
}

// The squared weight a text's vector puts on the buckets of its word n-grams.
double word_share(const Features& vector, const std::string& text) {
  NgramFeatureOptions words;
  words.char_max = 0;
  words.despaced_max = 0;
  words.choseong = false;
  const auto word_buckets = buckets_of(NgramFeaturizer(words).extract(text));
  double share = 0.0;
  for (const auto& [bucket, v] : vector) share += word_buckets.count(bucket) ? double(v) * v : 0.0;
  return share;
}

TEST(NgramFeaturesTest, NormPerFamilyGivesTheWordsAThirdOfTheLength) {
  const std::string text = "you are such an absolute idiot honestly";
  NgramFeatureOptions per_family;
  per_family.norm_per_family = true;
  const auto joint = NgramFeaturizer({}).weighted(text, {});
  const auto families = NgramFeaturizer(per_family).weighted(text, {});
  double norm = 0.0;
  for (const auto& [bucket, v] : families) norm += double(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-3);  // buckets two families share add a little (none are expected here)
  EXPECT_TRUE(std::is_sorted(families.begin(), families.end()));
  // Words, in-word characters, de-spaced characters: each a third of the squared length. Under one
  // norm the ~13 word n-grams get a small share against the ~150 character n-grams.
  EXPECT_NEAR(word_share(families, text), 1.0 / 3.0, 1e-3);
  EXPECT_LT(word_share(joint, text), 0.15);
  // The same buckets either way: only the weights move.
  EXPECT_EQ(buckets_of(joint), buckets_of(families));
  // A words-only featurizer has one family, which is the whole vector.
  NgramFeatureOptions words;
  words.char_max = 0;
  words.despaced_max = 0;
  words.choseong = false;
  auto words_family = words;
  words_family.norm_per_family = true;
  EXPECT_EQ(NgramFeaturizer(words).weighted(text, {}), NgramFeaturizer(words_family).weighted(text, {}));
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

// A linear model's weights ([buckets, 5] for levels {3, 2}): arbitrary but fixed.
NgramWeights linear_weights(const NgramFeaturizer& featurizer) {
  NgramWeights w;
  w.idf.assign(featurizer.buckets(), 1.0f);
  w.weight.resize(static_cast<size_t>(featurizer.buckets()) * 5);
  for (size_t i = 0; i < w.weight.size(); ++i) w.weight[i] = static_cast<float>((i * 7919) % 13) / 13.0f - 0.5f;
  w.bias = {0.1f, -0.2f, 0.3f, 0.0f, 0.5f};
  return w;
}

TEST(NgramModelTest, SavedModelScoresTheSameAfterLoading) {
  NgramSpec spec;
  spec.features.buckets_log2 = 12;
  spec.levels = {3, 2};
  NgramFeaturizer featurizer(spec.features);
  const NgramWeights w = linear_weights(featurizer);
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

TEST(NgramModelTest, ASavedModelKeepsItsPerFamilyNorm) {
  NgramSpec spec;
  spec.features.buckets_log2 = 12;
  spec.features.norm_per_family = true;
  spec.levels = {3, 2};
  NgramFeaturizer per_family(spec.features);
  const NgramWeights w = linear_weights(per_family);
  const auto dir = std::filesystem::temp_directory_path() / ("guardian_ngram_family_" + std::to_string(::getpid()));
  save_ngram_model(dir, spec, w, two_category_policy());
  const std::string text = "you are such an absolute idiot";
  const auto scores = load_model(dir)->score({text});
  std::vector<float> expected(5), joint(5);
  w.logits(per_family.weighted(text, w.idf), 5, expected.data());
  auto joint_features = spec.features;
  joint_features.norm_per_family = false;
  w.logits(NgramFeaturizer(joint_features).weighted(text, w.idf), 5, joint.data());
  ASSERT_NE(expected[0], joint[0]);  // the two norms give this text different logits
  EXPECT_FLOAT_EQ(scores[0][0][0], expected[0]);
  EXPECT_FLOAT_EQ(scores[0][1][1], expected[4]);
  std::filesystem::remove_all(dir);
}

TEST(NgramModelTest, ASavedModelKeepsItsSqueezeLeetAndJamo) {
  struct Case {
    const char* name;
    bool NgramFeatureOptions::*option;
    std::string text;
  };
  for (const Case& c : {Case{"squeeze", &NgramFeatureOptions::squeeze, "you are such an id.iot"},
                        Case{"leet", &NgramFeatureOptions::leet, "you are such an 1d10t"},
                        Case{"jamo", &NgramFeatureOptions::jamo, "진짜 ㅅ발 뭐하냐"}}) {
    NgramSpec spec;
    spec.features.buckets_log2 = 12;
    spec.features.*c.option = true;
    spec.levels = {3, 2};
    NgramFeaturizer featurizer(spec.features);
    const NgramWeights w = linear_weights(featurizer);
    const auto dir = std::filesystem::temp_directory_path() / ("guardian_ngram_options_" + std::to_string(::getpid()));
    save_ngram_model(dir, spec, w, two_category_policy());
    const std::string& text = c.text;
    const auto scores = load_model(dir)->score({text});
    std::vector<float> expected(5), plain(5);
    w.logits(featurizer.weighted(text, w.idf), 5, expected.data());
    w.logits(NgramFeaturizer(NgramFeatureOptions{.buckets_log2 = 12}).weighted(text, w.idf), 5, plain.data());
    ASSERT_NE(expected[0], plain[0]) << "the option gives this text other features";
    EXPECT_FLOAT_EQ(scores[0][0][0], expected[0]) << c.name;
    EXPECT_FLOAT_EQ(scores[0][1][1], expected[4]) << c.name;
    std::filesystem::remove_all(dir);
  }
}

// An embedding bag of width dim whose weights are arbitrary but fixed.
NgramWeights bag_weights(const NgramFeaturizer& featurizer, int dim, int outputs) {
  NgramWeights w;
  w.dim = dim;
  w.idf.assign(featurizer.buckets(), 1.0f);
  w.embedding.resize(static_cast<size_t>(featurizer.buckets()) * dim);
  for (size_t i = 0; i < w.embedding.size(); ++i) w.embedding[i] = static_cast<float>((i * 7919) % 101) / 101.0f - 0.5f;
  w.weight.resize(static_cast<size_t>(dim) * outputs);
  for (size_t i = 0; i < w.weight.size(); ++i) w.weight[i] = static_cast<float>((i * 31) % 17) / 17.0f - 0.5f;
  w.bias.assign(outputs, 0.1f);
  return w;
}

TEST(NgramModelTest, ABf16EmbeddingIsHalfTheFileAndScoresWithinBf16Rounding) {
  NgramSpec spec;
  spec.features.buckets_log2 = 12;
  spec.levels = {3, 2};
  spec.dim = 8;
  NgramFeaturizer featurizer(spec.features);
  const auto w = bag_weights(featurizer, spec.dim, 5);
  const auto base = std::filesystem::temp_directory_path() / ("guardian_ngram_bf16_" + std::to_string(::getpid()));
  save_ngram_model(base / "f32", spec, w, two_category_policy());
  spec.embedding_dtype = "bf16";
  save_ngram_model(base / "bf16", spec, w, two_category_policy());
  const auto embedding_bytes = static_cast<double>(w.embedding.size() * sizeof(float));
  EXPECT_NEAR(static_cast<double>(std::filesystem::file_size(base / "f32" / "model.safetensors") -
                                  std::filesystem::file_size(base / "bf16" / "model.safetensors")),
              embedding_bytes / 2, 256.0);  // half the embedding's bytes saved (the header differs a little)

  const std::vector<std::string> texts = {"you idiot", "좋은 하루", "a longer message with many words in it"};
  const auto f32 = load_model(base / "f32")->score(texts);
  const auto bf16 = load_model(base / "bf16")->score(texts);
  bool any_differs = false;
  for (size_t t = 0; t < texts.size(); ++t) {
    // Each element moves by at most 2^-9 of itself (|e| < 0.5); the sum over the bag and through
    // the head (|weight| < 0.5, dim 8) then by far less than 0.01.
    for (size_t c = 0; c < 2; ++c)
      for (size_t l = 0; l < f32[t][c].size(); ++l) {
        EXPECT_NEAR(bf16[t][c][l], f32[t][c][l], 0.01) << texts[t];
        any_differs = any_differs || bf16[t][c][l] != f32[t][c][l];
      }
  }
  EXPECT_TRUE(any_differs);  // the bf16 model really is served from the rounded rows

  spec.embedding_dtype = "f16";
  core::write_json_file(base / "bf16" / "config.json", ngram_spec_to_json(spec));
  EXPECT_THROW(load_model(base / "bf16"), FormatError);
  std::filesystem::remove_all(base);
}

// A bf16 bag is served from its mapped file, not a copy: the loaded model keeps scoring the same
// after its directory is retrained (files replaced by rename) and after it is deleted.
TEST(NgramModelTest, ALoadedBf16ModelOutlivesItsFilesOnDisk) {
  NgramSpec spec;
  spec.features.buckets_log2 = 12;
  spec.levels = {3, 2};
  spec.dim = 8;
  spec.embedding_dtype = "bf16";
  NgramFeaturizer featurizer(spec.features);
  auto w = bag_weights(featurizer, spec.dim, 5);
  const auto dir = std::filesystem::temp_directory_path() / ("guardian_ngram_mapped_" + std::to_string(::getpid()));
  save_ngram_model(dir, spec, w, two_category_policy());
  const std::vector<std::string> texts = {"you idiot", "좋은 하루"};
  auto model = load_model(dir);
  const auto before = model->score(texts);
  for (auto& e : w.embedding) e = -e;  // another model saved over the same directory
  save_ngram_model(dir, spec, w, two_category_policy());
  EXPECT_NE(load_model(dir)->score(texts)[0][0], before[0][0]) << "the directory really holds another model";
  EXPECT_EQ(model->score(texts), before);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(model->score(texts), before);
}

TEST(NgramModelTest, MissingDirectoryIsAnInputError) {
  EXPECT_THROW(load_model("/nonexistent/guardian/model"), InputError);
}

}  // namespace
}  // namespace guardian::models

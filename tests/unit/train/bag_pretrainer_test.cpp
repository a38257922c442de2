// Skip-gram pretraining of a bag's rows: words used in the same contexts end closer together than
// words that never share one; one thread is deterministic for a seed; a bag of another size
// cannot start from the rows; a table without rows is refused.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "models/ngram_features.h"
#include "train/bag_pretrainer.h"

namespace guardian::train {
namespace {

namespace fs = std::filesystem;

// A shelf with one "lines" card: sentences about pets and sentences about vehicles, the two
// groups of subjects never sharing a context word.
struct Shelf {
  fs::path dir;
  fs::path card;
};

const std::vector<std::string> kPets = {"kitten", "puppy", "hamster", "parrot"};
const std::vector<std::string> kVehicles = {"truck", "lorry", "tractor", "minibus"};

Shelf write_shelf(const std::string& name) {
  Shelf shelf{fs::temp_directory_path() / ("guardian-bag-pretrain-" + name + "-" + std::to_string(::getpid()))};
  fs::remove_all(shelf.dir);
  fs::create_directories(shelf.dir / "data" / "text");
  std::ofstream(shelf.dir / "data" / "MANIFEST.md") << "# test shelf\n";
  const std::vector<std::string> pet_words = {"fur", "vet", "leash", "purr", "cuddle", "feed"};
  const std::vector<std::string> vehicle_words = {"road", "fuel", "engine", "wheel", "garage", "drive"};
  std::mt19937 rng(3);
  std::ofstream lines(shelf.dir / "data" / "text" / "lines.txt");
  for (int i = 0; i < 1500; ++i) {
    const bool pets = i % 2 == 0;
    const auto& subjects = pets ? kPets : kVehicles;
    const auto& context = pets ? pet_words : vehicle_words;
    lines << context[rng() % context.size()] << ' ' << subjects[rng() % subjects.size()] << ' '
          << context[rng() % context.size()] << ' ' << context[rng() % context.size()] << '\n';
  }
  shelf.card = shelf.dir / "card.toml";
  std::ofstream(shelf.card) << "name = \"lines\"\nlanguage = \"en\"\nlicence = \"test data\"\nformat = \"lines\"\n"
                               "trainable = true\n[splits]\ntrain = \"text/lines.txt\"\n";
  core::set_data_root(shelf.dir / "data", "the test's shelf");
  return shelf;
}

TrainConfig recipe(const Shelf& shelf, int dim = 16) {
  return TrainConfig::parse("name = \"bag\"\n[data]\ntrain = [\"" + shelf.card.string() + ":train\"]\n"
                            "[model]\nkind = \"ngram\"\n"
                            "[ngram]\nbuckets_log2 = 12\ndim = " + std::to_string(dim) + "\npretrained = \"" +
                                (shelf.dir / "rows").string() + "\"\n"
                            "[bag_pretrain]\nepochs = 8\nmin_count = 1\nsubsample = 1.0\n[train]\nthreads = 1\n",
                            "test recipe");
}

// A word's vector as the bag sees a message of that one word: the mean of its buckets' rows.
std::vector<float> word_vector(const std::vector<float>& rows, int dim, const std::string& word) {
  const models::NgramFeaturizer featurizer({12, 2, 2, 5, 4, true});
  std::vector<float> v(dim, 0.0f);
  const auto features = featurizer.extract(word);
  for (const auto& [bucket, _] : features) {
    for (int d = 0; d < dim; ++d) v[d] += rows[static_cast<size_t>(bucket) * dim + d] / features.size();
  }
  return v;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

TEST(BagPretrainTest, WordsOfTheSameContextsEndCloserThanWordsOfOthers) {
  const auto shelf = write_shelf("contexts");
  const auto config = recipe(shelf);
  BagPretrainOptions options;
  options.quiet = true;
  const auto result = pretrain_bag(config, "ngram", options);
  EXPECT_TRUE(result.finished);
  EXPECT_EQ(result.tokens, 1500 * 4);
  EXPECT_EQ(result.words, 20);
  EXPECT_TRUE(fs::exists(shelf.dir / "rows" / kBagEmbeddingFile));
  EXPECT_TRUE(fs::exists(shelf.dir / "rows" / kBagPretrainFile));

  const auto rows = load_pretrained_bag(shelf.dir / "rows", 12, 16);
  ASSERT_EQ(rows.size(), size_t{4096} * 16);
  auto mean_cosine = [&](const std::vector<std::string>& as, const std::vector<std::string>& bs) {
    double sum = 0.0;
    int n = 0;
    for (const auto& x : as) {
      for (const auto& y : bs) {
        if (x == y) continue;
        sum += cosine(word_vector(rows, 16, x), word_vector(rows, 16, y));
        ++n;
      }
    }
    return sum / n;
  };
  const double same = (mean_cosine(kPets, kPets) + mean_cosine(kVehicles, kVehicles)) / 2;
  const double across = mean_cosine(kPets, kVehicles);
  EXPECT_GT(same, across + 0.3) << "mean cosine within a group " << same << ", across groups " << across;
}

TEST(BagPretrainTest, OneThreadIsDeterministicForASeed) {
  const auto shelf = write_shelf("deterministic");
  const auto config = recipe(shelf);
  BagPretrainOptions options;
  options.quiet = true;
  options.out_dir = shelf.dir / "first";
  pretrain_bag(config, "ngram", options);
  options.out_dir = shelf.dir / "second";
  pretrain_bag(config, "ngram", options);
  EXPECT_EQ(load_pretrained_bag(shelf.dir / "first", 12, 16), load_pretrained_bag(shelf.dir / "second", 12, 16));
}

TEST(BagPretrainTest, ABagOfAnotherSizeCannotStartFromTheRows) {
  const auto shelf = write_shelf("size");
  BagPretrainOptions options;
  options.quiet = true;
  pretrain_bag(recipe(shelf), "ngram", options);
  try {
    load_pretrained_bag(shelf.dir / "rows", 12, 32);
    FAIL() << "another dim loaded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("must match the pretraining"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_pretrained_bag(shelf.dir / "rows", 14, 16), ConfigError);
  EXPECT_THROW(load_pretrained_bag(shelf.dir / "nothing-here", 12, 16), ConfigError);
}

TEST(BagPretrainTest, ATableWithoutRowsOrWithoutADirectoryIsRefused) {
  const auto shelf = write_shelf("refused");
  const auto config = recipe(shelf);
  BagPretrainOptions options;
  options.quiet = true;
  EXPECT_THROW(pretrain_bag(config, "ngram_missing", options), ConfigError);
  auto linear = config;
  linear.ngram.dim = 0;
  EXPECT_THROW(pretrain_bag(linear, "ngram", options), ConfigError);
  auto nowhere = config;
  nowhere.ngram.pretrained.clear();
  EXPECT_THROW(pretrain_bag(nowhere, "ngram", options), ConfigError);
}

TEST(BagPretrainConfigTest, PretrainedNeedsABagAndTheSettingsAreChecked) {
  const std::string base = "[data]\ntrain = [\"x:train\"]\n";
  EXPECT_THROW(TrainConfig::parse(base + "[ngram]\npretrained = \"rows\"\n", "t"), ConfigError);  // dim 0
  EXPECT_NO_THROW(TrainConfig::parse(base + "[ngram]\ndim = 8\npretrained = \"rows\"\n", "t"));
  EXPECT_THROW(TrainConfig::parse(base + "[bag_pretrain]\nwindow = 0\n", "t"), ConfigError);
  EXPECT_THROW(TrainConfig::parse(base + "[bag_pretrain]\nsubsample = 0.0\n", "t"), ConfigError);
  EXPECT_THROW(TrainConfig::parse(base + "[bag_pretrain]\nunknown = 1\n", "t"), ConfigError);
  const auto c = TrainConfig::parse(base + "[bag_pretrain]\ntext = [\"a:train\"]\nepochs = 3\nnegatives = 7\n", "t");
  EXPECT_EQ(c.bag_pretrain.text, std::vector<std::string>{"a:train"});
  EXPECT_EQ(c.bag_pretrain.epochs, 3);
  EXPECT_EQ(c.bag_pretrain.negatives, 7);
}

}  // namespace
}  // namespace guardian::train

// Skip-gram pretraining of an embedding bag's rows (`guardian pretrain --bag NAME`): fastText's
// unsupervised model, over the recipe's [NAME] features, on the [bag_pretrain] text plus the
// recipe's training texts. A word is the mean of the rows of the buckets it alone hashes to (the
// word itself, its character n-grams, its Hangul initials) and learns to predict the words
// around it against negatives sampled by frequency; a bag that names the directory in its
// `pretrained` key starts from these rows instead of random ones, so words and spellings that
// share contexts on the unlabelled text start close together.
//   dir/embedding.safetensors ("embedding": [2^buckets_log2, dim] f32), dir/bag_pretrain.json
// Hogwild threads (as fastText) when [train] threads allows more than one; one thread is
// deterministic for a seed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "train/train_config.h"

namespace guardian::train {

inline constexpr const char* kBagEmbeddingFile = "embedding.safetensors";
inline constexpr const char* kBagPretrainFile = "bag_pretrain.json";

struct BagPretrainOptions {
  std::filesystem::path out_dir;                    // "" = the table's `pretrained`
  std::optional<std::chrono::milliseconds> budget;  // wall-clock; the rows so far are saved
  bool quiet = false;                               // no progress bar
};

struct BagPretrainResult {
  bool finished = false;          // every epoch ran
  bool interrupted = false;       // stopped by a signal (the rows so far are saved)
  int64_t tokens = 0;             // words of the text (one epoch)
  int64_t words = 0;              // distinct words
  int64_t targets = 0;            // words seen min_count times or more (predicted)
  double loss = 0.0;              // mean negative-sampling loss of the last epoch
  double tokens_per_second = 0.0;
  double seconds = 0.0;
  std::filesystem::path dir;
};

// Throws ConfigError when the table is not an embedding bag or names no directory (and no
// out_dir is given), InputError when the text is empty.
BagPretrainResult pretrain_bag(const TrainConfig& config, const std::string& table, const BagPretrainOptions& options);

// fastText's initialisation of a bag's rows, uniform in (-1/dim, 1/dim), seeded: the bag's trainer
// and the pretraining start from the same rows for a seed.
std::vector<float> random_bag_rows(uint32_t buckets, int dim, uint64_t seed);

// The rows a bag of 2^buckets_log2 buckets and width dim starts from. Throws ConfigError when the
// directory was pretrained for another size, FormatError when its files are damaged.
std::vector<float> load_pretrained_bag(const std::filesystem::path& dir, int buckets_log2, int dim);

}  // namespace guardian::train

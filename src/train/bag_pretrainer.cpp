#include "core/json_file.h"
#include "train/bag_pretrainer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/progress.h"
#include "core/safetensors.h"
#include "models/model_dir.h"
#include "models/ngram_features.h"
#include "models/ngram_model.h"
#include "train/training_data.h"
#include "train/stop_signal.h"

namespace guardian::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The featurizer's words (maximal runs of non-space), ASCII case folded as it folds them, so that
// "Hello" and "hello" are one word here as they are one set of features there.
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && is_space(text[i])) ++i;
    const size_t begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i == begin) continue;
    std::string word(text.substr(begin, i - begin));
    for (char& c : word) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    words.push_back(std::move(word));
  }
  return words;
}

// The text as word ids, and per word its count, its buckets and its output row.
struct Corpus {
  std::vector<std::vector<int32_t>> texts;
  std::vector<int64_t> counts;
  std::vector<size_t> bucket_begin;  // word w's buckets: buckets[bucket_begin[w] .. bucket_begin[w + 1])
  std::vector<uint32_t> buckets;
  std::vector<int32_t> target;       // output row of word w; -1 under min_count (never predicted)
  int64_t tokens = 0;
  int64_t targets = 0;
};

Corpus build_corpus(const std::vector<std::string>& texts, const models::NgramFeaturizer& featurizer, int min_count) {
  Corpus corpus;
  std::unordered_map<std::string, int32_t> ids;
  std::vector<const std::string*> words;
  corpus.texts.reserve(texts.size());
  for (const auto& text : texts) {
    std::vector<int32_t> line;
    for (auto& word : split_words(text)) {
      auto [it, added] = ids.try_emplace(std::move(word), static_cast<int32_t>(words.size()));
      if (added) {
        words.push_back(&it->first);
        corpus.counts.push_back(0);
      }
      ++corpus.counts[it->second];
      line.push_back(it->second);
    }
    corpus.tokens += static_cast<int64_t>(line.size());
    if (line.size() >= 2) corpus.texts.push_back(std::move(line));  // a lone word has no context
  }
  corpus.bucket_begin.reserve(words.size() + 1);
  for (const std::string* word : words) {
    corpus.bucket_begin.push_back(corpus.buckets.size());
    for (const auto& [bucket, _] : featurizer.extract(*word)) corpus.buckets.push_back(bucket);
  }
  corpus.bucket_begin.push_back(corpus.buckets.size());
  corpus.target.assign(words.size(), -1);
  for (size_t w = 0; w < words.size(); ++w) {
    if (corpus.counts[w] >= min_count) corpus.target[w] = static_cast<int32_t>(corpus.targets++);
  }
  return corpus;
}

// fastText's skip-gram with negative sampling, the input side being the bag's hashed rows.
class SkipGram {
 public:
  SkipGram(const Corpus& corpus, uint32_t buckets, int dim, const BagPretrainConfig& config, uint64_t seed)
      : corpus_(corpus), config_(config), dim_(dim), input_(random_bag_rows(buckets, dim, seed)),
        output_(static_cast<size_t>(corpus.targets) * dim, 0.0f) {
    // Negatives are drawn in proportion to count^0.5 (fastText's table).
    std::vector<int32_t> word_of_target(static_cast<size_t>(corpus.targets));
    double total = 0.0;
    for (size_t w = 0; w < corpus.counts.size(); ++w) {
      if (corpus.target[w] < 0) continue;
      word_of_target[corpus.target[w]] = static_cast<int32_t>(w);
      total += std::sqrt(static_cast<double>(corpus.counts[w]));
    }
    const size_t table_size = std::min<size_t>(10'000'000, std::max<size_t>(1000, corpus.tokens * 2));
    for (size_t t = 0; t < word_of_target.size(); ++t) {
      const double share = std::sqrt(static_cast<double>(corpus.counts[word_of_target[t]])) / total;
      negatives_.insert(negatives_.end(), static_cast<size_t>(std::ceil(share * table_size)), static_cast<int32_t>(t));
    }
    // Frequent words are discarded with fastText's probability 1 - (sqrt(t / f) + t / f).
    keep_.resize(corpus.counts.size());
    for (size_t w = 0; w < keep_.size(); ++w) {
      const double f = static_cast<double>(corpus.counts[w]) / static_cast<double>(std::max<int64_t>(1, corpus.tokens));
      keep_[w] = static_cast<float>(std::sqrt(config.subsample / f) + config.subsample / f);
    }
  }

  struct Worker {
    std::mt19937_64 rng;
    std::vector<float> hidden, grad;
    std::vector<int32_t> kept;
    double loss = 0.0;
    int64_t pairs = 0;
  };

  Worker worker(uint64_t seed) const { return {std::mt19937_64(seed), std::vector<float>(dim_), std::vector<float>(dim_), {}}; }

  // One text: every kept word predicts the kept words within a window sampled in 1..window.
  void train_text(const std::vector<int32_t>& text, float lr, Worker& w) {
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    w.kept.clear();
    for (int32_t id : text) {
      if (keep_[id] >= 1.0f || unit(w.rng) < keep_[id]) w.kept.push_back(id);
    }
    std::uniform_int_distribution<int> window(1, config_.window);
    const int n = static_cast<int>(w.kept.size());
    for (int i = 0; i < n; ++i) {
      const int b = window(w.rng);
      for (int j = std::max(0, i - b); j <= std::min(n - 1, i + b); ++j) {
        const int32_t target = corpus_.target[w.kept[j]];
        if (j == i || target < 0) continue;
        w.loss += update(w.kept[i], target, lr, w);
        ++w.pairs;
      }
    }
  }

  const std::vector<float>& input() const { return input_; }

 private:
  // hidden = the mean of the word's rows; one positive and `negatives` sampled targets; the
  // hidden gradient goes to every row of the word (unscaled, as fastText's skip-gram).
  double update(int32_t word, int32_t target, float lr, Worker& w) {
    const uint32_t* rows = corpus_.buckets.data() + corpus_.bucket_begin[word];
    const size_t count = corpus_.bucket_begin[word + 1] - corpus_.bucket_begin[word];
    if (count == 0) return 0.0;
    std::fill(w.hidden.begin(), w.hidden.end(), 0.0f);
    for (size_t r = 0; r < count; ++r) {
      const float* row = input_.data() + static_cast<size_t>(rows[r]) * dim_;
      for (int d = 0; d < dim_; ++d) w.hidden[d] += row[d];
    }
    const float inv = 1.0f / static_cast<float>(count);
    for (auto& v : w.hidden) v *= inv;
    std::fill(w.grad.begin(), w.grad.end(), 0.0f);
    double loss = binary(target, true, lr, w);
    std::uniform_int_distribution<size_t> pick(0, negatives_.size() - 1);
    for (int k = 0; k < config_.negatives; ++k) {
      int32_t negative = negatives_[pick(w.rng)];
      if (negative == target) continue;
      loss += binary(negative, false, lr, w);
    }
    for (size_t r = 0; r < count; ++r) {
      float* row = input_.data() + static_cast<size_t>(rows[r]) * dim_;
      for (int d = 0; d < dim_; ++d) row[d] += w.grad[d];
    }
    return loss;
  }

  double binary(int32_t target, bool positive, float lr, Worker& w) {
    float* out = output_.data() + static_cast<size_t>(target) * dim_;
    float dot = 0.0f;
    for (int d = 0; d < dim_; ++d) dot += w.hidden[d] * out[d];
    const float score = 1.0f / (1.0f + std::exp(-std::clamp(dot, -30.0f, 30.0f)));
    const float g = lr * ((positive ? 1.0f : 0.0f) - score);
    for (int d = 0; d < dim_; ++d) {
      w.grad[d] += g * out[d];
      out[d] += g * w.hidden[d];
    }
    return -std::log(std::max(positive ? score : 1.0f - score, 1e-7f));
  }

  const Corpus& corpus_;
  const BagPretrainConfig& config_;
  int dim_;
  std::vector<float> input_;    // [buckets, dim]: the bag's rows
  std::vector<float> output_;   // [targets, dim]
  std::vector<int32_t> negatives_;
  std::vector<float> keep_;     // probability of keeping each word
};

int thread_count(int configured) {
  if (configured > 0) return configured;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

std::vector<float> random_bag_rows(uint32_t buckets, int dim, uint64_t seed) {
  std::vector<float> rows(static_cast<size_t>(buckets) * dim);
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<float> uniform(-1.0f / dim, 1.0f / dim);
  for (auto& v : rows) v = uniform(rng);
  return rows;
}

BagPretrainResult pretrain_bag(const TrainConfig& config, const std::string& table, const BagPretrainOptions& options) {
  const auto started = Clock::now();
  const NgramConfig& bag = config.ngram_table(table);
  if (bag.dim <= 0) throw ConfigError("[" + table + "] is not an embedding bag (dim = 0): there are no rows to pretrain");
  const fs::path out = !options.out_dir.empty() ? options.out_dir : fs::path(bag.pretrained);
  if (out.empty()) throw ConfigError("[" + table + "] pretrained names no directory to write: set it, or pass --out");
  const auto& settings = config.bag_pretrain;

  // 1. Text: the unlabelled specs, then the recipe's training texts; the licence rules of training apply.
  const auto purpose = config.data.research_only ? data::Purpose::kTrainResearch : data::Purpose::kTrain;
  const auto data_root = core::data_root();
  auto texts = data::load_texts(settings.text, data_root, static_cast<size_t>(settings.max_texts), purpose);
  auto labelled = data::load_texts(config.data.train, data_root, static_cast<size_t>(settings.max_texts) - texts.size(), purpose);
  texts.insert(texts.end(), std::make_move_iterator(labelled.begin()), std::make_move_iterator(labelled.end()));
  auto features = bag.feature_options();
  features.norm_per_family = false;  // a bag sums unweighted rows
  const models::NgramFeaturizer featurizer(features);
  const Corpus corpus = build_corpus(texts, featurizer, settings.min_count);
  texts.clear();
  if (corpus.texts.empty() || corpus.targets == 0) {
    throw InputError("pretrain --bag: the recipe's [bag_pretrain] text and data.train hold no text of two words or more "
                     "with a word seen min_count (" + std::to_string(settings.min_count) + ") times");
  }
  spdlog::info("bag pretraining: {} texts, {} words, {} distinct, {} predicted (min_count {})", corpus.texts.size(),
               corpus.tokens, corpus.counts.size(), corpus.targets, settings.min_count);

  // 2. Hogwild SGD: thread t takes every t-th text; the learning rate decays with the words
  // done by all threads together.
  const uint64_t seed = static_cast<uint64_t>(config.optim.seed);
  SkipGram model(corpus, featurizer.buckets(), bag.dim, settings, seed);
  const int threads = std::min<int>(thread_count(config.optim.threads), static_cast<int>(corpus.texts.size()));
  int64_t words_per_epoch = 0;
  for (const auto& text : corpus.texts) words_per_epoch += static_cast<int64_t>(text.size());
  const int64_t total = words_per_epoch * settings.epochs;
  core::Progress progress("bag pretrain", total);
  if (options.quiet) core::Progress::set_enabled(false);
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false}, interrupted{false};
  std::vector<SkipGram::Worker> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(model.worker(seed * 7919 + static_cast<uint64_t>(t)));
  std::vector<double> last_epoch_loss(threads, 0.0);
  std::vector<int64_t> last_epoch_pairs(threads, 0);
  auto work = [&](int t) {
    auto& w = workers[t];
    std::vector<size_t> order;
    for (size_t i = static_cast<size_t>(t); i < corpus.texts.size(); i += static_cast<size_t>(threads)) order.push_back(i);
    for (int epoch = 0; epoch < settings.epochs && !stop; ++epoch) {
      std::shuffle(order.begin(), order.end(), w.rng);
      w.loss = 0.0;
      w.pairs = 0;
      for (size_t n = 0; n < order.size(); ++n) {
        if ((n & 255) == 0) {
          if (stop_requested()) interrupted = stop = true;
          if (options.budget && Clock::now() - started >= *options.budget) stop = true;
          if (stop) return;
        }
        const auto& text = corpus.texts[order[n]];
        const double progressed = static_cast<double>(done.load(std::memory_order_relaxed)) / static_cast<double>(total);
        const float lr = static_cast<float>(settings.lr * std::max(1e-4, 1.0 - progressed));
        model.train_text(text, lr, w);
        done.fetch_add(static_cast<int64_t>(text.size()), std::memory_order_relaxed);
        progress.advance(static_cast<int64_t>(text.size()));
        if (t == 0 && (n & 4095) == 0 && w.pairs > 0) {
          progress.set_postfix(fmt::format("epoch {} loss {:.3f} lr {:.4f}", epoch + 1, w.loss / w.pairs, lr));
        }
      }
      last_epoch_loss[t] = w.loss;
      last_epoch_pairs[t] = w.pairs;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& thread : pool) thread.join();
  progress.finish();

  // 3. The rows, then the record (each written beside and renamed into place).
  BagPretrainResult result;
  result.dir = out;
  result.finished = !stop;
  result.interrupted = interrupted;
  result.tokens = corpus.tokens;
  result.words = static_cast<int64_t>(corpus.counts.size());
  result.targets = corpus.targets;
  const double loss = std::accumulate(last_epoch_loss.begin(), last_epoch_loss.end(), 0.0);
  const int64_t pairs = std::accumulate(last_epoch_pairs.begin(), last_epoch_pairs.end(), int64_t{0});
  result.loss = pairs > 0 ? loss / static_cast<double>(pairs) : 0.0;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.tokens_per_second = static_cast<double>(done.load()) / std::max(1e-9, result.seconds);
  fs::create_directories(out);
  const auto& rows = model.input();
  core::write_safetensors(out / kBagEmbeddingFile,
                          {{"embedding", core::DType::kF32, {static_cast<int64_t>(featurizer.buckets()), bag.dim},
                            rows.data(), rows.size() * sizeof(float)}},
                          {{"format", "guardian-bag-pretrain"}});
  core::write_json_file(
      out / kBagPretrainFile,
      {{"name", config.name}, {"table", table}, {"buckets_log2", bag.buckets_log2}, {"dim", bag.dim},
       {"features", models::ngram_features_to_json(features)},
       {"text_specs", settings.text}, {"train_specs", config.data.train}, {"texts", corpus.texts.size()},
       {"tokens", corpus.tokens}, {"words", result.words}, {"targets", result.targets},
       {"epochs", settings.epochs}, {"window", settings.window}, {"negatives", settings.negatives},
       {"min_count", settings.min_count}, {"subsample", settings.subsample}, {"lr", settings.lr},
       {"seed", config.optim.seed}, {"threads", threads}, {"finished", result.finished}, {"loss", result.loss},
       {"seconds", result.seconds}, {"tokens_per_second", result.tokens_per_second},
       {"research_only", config.data.research_only}});
  spdlog::info("bag pretraining: {} in {:.0f} s ({:.0f} words/s), last-epoch loss {:.4f}{}", out.string(),
               result.seconds, result.tokens_per_second, result.loss, result.finished ? "" : " (stopped early)");
  return result;
}

std::vector<float> load_pretrained_bag(const fs::path& dir, int buckets_log2, int dim) {
  const fs::path record = dir / kBagPretrainFile;
  if (!fs::exists(record)) {
    throw ConfigError(dir.string() + " holds no bag pretraining (" + std::string(kBagPretrainFile) +
                      " is missing): run `guardian pretrain --bag` first");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(core::read_file(record));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(record.string() + ": " + e.what());
  }
  const int pretrained_log2 = json.value("buckets_log2", -1), pretrained_dim = json.value("dim", -1);
  if (pretrained_log2 != buckets_log2 || pretrained_dim != dim) {
    throw ConfigError(dir.string() + " was pretrained with buckets_log2 = " + std::to_string(pretrained_log2) +
                      " and dim = " + std::to_string(pretrained_dim) + "; the bag has " +
                      std::to_string(buckets_log2) + " and " + std::to_string(dim) + " (they must match the pretraining)");
  }
  const auto file = core::SafetensorsFile::load(dir / kBagEmbeddingFile);
  const auto& view = file.get("embedding");
  const std::vector<int64_t> shape = {int64_t{1} << buckets_log2, dim};
  if (view.dtype != core::DType::kF32 || view.shape != shape) {
    throw FormatError((dir / kBagEmbeddingFile).string() + ": tensor 'embedding' has the wrong dtype or shape");
  }
  std::vector<float> rows(static_cast<size_t>(view.numel()));
  std::memcpy(rows.data(), view.data.data(), rows.size() * sizeof(float));
  return rows;
}

}  // namespace guardian::train

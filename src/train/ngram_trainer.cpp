#include "core/json_file.h"
#include "train/ngram_trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/progress.h"
#include "eval/evaluator.h"
#include "models/model_dir.h"
#include "models/ngram_model.h"
#include "train/bag_pretrainer.h"
#include "train/training_data.h"
#include "train/recipe_fingerprint.h"
#include "train/stop_signal.h"

namespace guardian::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Featurised {
  std::vector<models::Features> rows;
  const std::vector<data::Example>* examples = nullptr;
};

// grad[outputs] = class-weighted d(cross-entropy)/d(logits) of each head with a known label; returns the loss.
double softmax_grad(const std::vector<int>& levels, const std::vector<float>& logits, const std::vector<int>& labels,
                    const std::vector<std::vector<float>>& cw, std::vector<float>& grad) {
  double loss = 0.0;
  int column = 0;
  for (size_t c = 0; c < levels.size(); ++c) {
    const int n = levels[c];
    if (labels[c] >= 0) {
      const float top = *std::max_element(logits.begin() + column, logits.begin() + column + n);
      double total = 0.0;
      for (int l = 0; l < n; ++l) total += std::exp(logits[column + l] - top);
      const float w = cw[c][labels[c]];
      for (int l = 0; l < n; ++l) {
        const double p = std::exp(logits[column + l] - top) / total;
        grad[column + l] = static_cast<float>(w * (p - (l == labels[c] ? 1.0 : 0.0)));
      }
      loss -= w * (logits[column + labels[c]] - top - std::log(total));
    }
    column += n;
  }
  return loss;
}

// The linear net: logits = bias + x * weight, or with NB-LR's scales (one per weight, fixed)
// logits = bias + x * (scale . weight): the L2 penalty falls on the unscaled weight.
class SgdHeads {
 public:
  SgdHeads(uint32_t buckets, const std::vector<int>& levels, const std::vector<float>* nb = nullptr)
      : levels_(levels), outputs_(std::accumulate(levels.begin(), levels.end(), 0)),
        weight_(static_cast<size_t>(buckets) * outputs_, 0.0f), bias_(outputs_, 0.0f), ones_(outputs_, 1.0f), nb_(nb) {}

  // One SGD step on one example; returns its loss.
  double step(const models::Features& x, const std::vector<int>& labels, const std::vector<std::vector<float>>& cw,
              double lr, double l2) {
    std::vector<float> logits(outputs_);
    forward(x, logits.data());
    std::vector<float> grad(outputs_, 0.0f);
    const double loss = softmax_grad(levels_, logits, labels, cw, grad);
    scale_ *= static_cast<float>(1.0 - lr * l2);
    if (scale_ < 1e-3f) rescale();
    const float step = static_cast<float>(lr) / scale_;
    for (const auto& [bucket, value] : x) {
      float* row = weight_.data() + static_cast<size_t>(bucket) * outputs_;
      const float* nb = nb_row(bucket);
      for (int o = 0; o < outputs_; ++o) {
        if (grad[o] != 0.0f) row[o] -= step * value * nb[o] * grad[o];
      }
    }
    for (int o = 0; o < outputs_; ++o) bias_[o] -= static_cast<float>(lr) * grad[o];
    return loss;
  }

  void forward(const models::Features& x, float* out) const {
    std::fill(out, out + outputs_, 0.0f);
    for (const auto& [bucket, value] : x) {
      const float* row = weight_.data() + static_cast<size_t>(bucket) * outputs_;
      const float* nb = nb_row(bucket);
      for (int o = 0; o < outputs_; ++o) out[o] += value * nb[o] * row[o];
    }
    for (int o = 0; o < outputs_; ++o) out[o] = out[o] * scale_ + bias_[o];
  }

  models::NgramWeights to_weights(std::vector<float> idf) const {
    models::NgramWeights w;
    w.idf = std::move(idf);
    w.weight = weight_;
    for (size_t k = 0; k < w.weight.size(); ++k) w.weight[k] *= scale_ * nb_row(static_cast<uint32_t>(k / outputs_))[k % outputs_];
    w.bias = bias_;
    return w;
  }

  int outputs() const { return outputs_; }

 private:
  void rescale() {
    for (auto& v : weight_) v *= scale_;
    scale_ = 1.0f;
  }

  std::vector<int> levels_;
  int outputs_;
  std::vector<float> weight_;  // [buckets, outputs], true weights are weight_ * scale_
  std::vector<float> bias_;
  float scale_ = 1.0f;
  // NB-LR's scales of a bucket's weights: its row of *nb_ ([buckets, outputs]), or ones without
  // them (multiplying by 1 is exact, so a model without NB-LR trains as it did before).
  const float* nb_row(uint32_t bucket) const {
    return nb_ ? nb_->data() + static_cast<size_t>(bucket) * outputs_ : ones_.data();
  }
  std::vector<float> ones_;
  const std::vector<float>* nb_;
};

// The embedding-bag net (fastText's design over the same TF-IDF features):
// hidden[dim] = sum_f x_f * embedding[f]; logits = bias + hidden * weight. Plain SGD on every
// parameter touched; l2 decays the output weights and the embedding rows a step touches.
class BagHeads {
 public:
  // start: pretrained rows ([buckets, dim], `guardian pretrain --bag`), or empty for random ones.
  BagHeads(uint32_t buckets, int dim, const std::vector<int>& levels, uint64_t seed, const std::vector<float>& start)
      : levels_(levels), outputs_(std::accumulate(levels.begin(), levels.end(), 0)), dim_(dim),
        embedding_(start.empty() ? random_bag_rows(buckets, dim, seed) : start),
        weight_(static_cast<size_t>(dim) * outputs_, 0.0f), bias_(outputs_, 0.0f) {}

  double step(const models::Features& x, const std::vector<int>& labels, const std::vector<std::vector<float>>& cw,
              double lr, double l2) {
    std::vector<float> hidden(dim_), logits(outputs_);
    forward(x, logits.data(), hidden.data());
    std::vector<float> grad(outputs_, 0.0f);
    const double loss = softmax_grad(levels_, logits, labels, cw, grad);
    std::vector<float> grad_hidden(dim_, 0.0f);  // [dim] = weight * grad
    const float decay = static_cast<float>(1.0 - lr * l2);
    for (int d = 0; d < dim_; ++d) {
      float* row = weight_.data() + static_cast<size_t>(d) * outputs_;
      float sum = 0.0f;
      for (int o = 0; o < outputs_; ++o) {
        sum += row[o] * grad[o];
        row[o] = row[o] * decay - static_cast<float>(lr) * hidden[d] * grad[o];
      }
      grad_hidden[d] = sum;
    }
    for (int o = 0; o < outputs_; ++o) bias_[o] -= static_cast<float>(lr) * grad[o];
    for (const auto& [bucket, value] : x) {
      float* row = embedding_.data() + static_cast<size_t>(bucket) * dim_;
      const float step = static_cast<float>(lr) * value;
      for (int d = 0; d < dim_; ++d) row[d] = row[d] * decay - step * grad_hidden[d];
    }
    return loss;
  }

  void forward(const models::Features& x, float* out) const {
    std::vector<float> hidden(dim_);
    forward(x, out, hidden.data());
  }

  models::NgramWeights to_weights(std::vector<float> idf) const {
    models::NgramWeights w;
    w.dim = dim_;
    w.idf = std::move(idf);
    w.embedding = embedding_;
    w.weight = weight_;
    w.bias = bias_;
    return w;
  }

  int outputs() const { return outputs_; }

 private:
  void forward(const models::Features& x, float* out, float* hidden) const {
    std::fill(hidden, hidden + dim_, 0.0f);
    for (const auto& [bucket, value] : x) {
      const float* row = embedding_.data() + static_cast<size_t>(bucket) * dim_;
      for (int d = 0; d < dim_; ++d) hidden[d] += value * row[d];
    }
    std::copy(bias_.begin(), bias_.end(), out);
    for (int d = 0; d < dim_; ++d) {
      const float* row = weight_.data() + static_cast<size_t>(d) * outputs_;
      for (int o = 0; o < outputs_; ++o) out[o] += hidden[d] * row[o];
    }
  }

  std::vector<int> levels_;
  int outputs_, dim_;
  std::vector<float> embedding_;  // [buckets, dim]
  std::vector<float> weight_;     // [dim, outputs]
  std::vector<float> bias_;       // [outputs]
};

template <typename Heads>
nlohmann::json evaluate_rows(const Heads& heads, const Featurised& set, const policy::Policy& policy,
                             const std::vector<int>& levels) {
  eval::Evaluator evaluator(policy);
  std::vector<float> row(heads.outputs());
  for (size_t i = 0; i < set.rows.size(); ++i) {
    heads.forward(set.rows[i], row.data());
    models::CategoryLogits logits(levels.size());
    int column = 0;
    for (size_t c = 0; c < levels.size(); ++c) {
      logits[c].assign(row.begin() + column, row.begin() + column + levels[c]);
      column += levels[c];
    }
    const auto& example = (*set.examples)[i];
    evaluator.add(example, models::to_probabilities(logits, policy, data::message_language(example.text)));
  }
  return eval::to_json(evaluator.report());
}

}  // namespace

std::vector<float> nb_log_ratios(const std::vector<models::Features>& raw, const std::vector<data::Example>& examples,
                                 const std::vector<int>& levels, uint32_t buckets, double alpha) {
  const int outputs = std::accumulate(levels.begin(), levels.end(), 0);
  const size_t categories = levels.size();
  std::vector<double> with(static_cast<size_t>(buckets) * outputs, 0.0);      // messages of the level with f
  std::vector<double> known(static_cast<size_t>(buckets) * categories, 0.0);  // labelled messages with f
  for (size_t i = 0; i < raw.size(); ++i) {
    int column = 0;
    for (size_t c = 0; c < categories; ++c) {
      const int y = examples[i].labels[c];
      if (y >= 0) {
        for (const auto& [bucket, _] : raw[i]) {
          with[static_cast<size_t>(bucket) * outputs + column + y] += 1.0;
          known[static_cast<size_t>(bucket) * categories + c] += 1.0;
        }
      }
      column += levels[c];
    }
  }
  // The L1 norms of the smoothed level and rest vectors, per column.
  std::vector<double> level_norm(outputs, 0.0), rest_norm(outputs, 0.0);
  auto for_each = [&](const auto& visit) {
    for (uint32_t f = 0; f < buckets; ++f) {
      int column = 0;
      for (size_t c = 0; c < categories; ++c) {
        const double all = known[static_cast<size_t>(f) * categories + c];
        for (int l = 0; l < levels[c]; ++l, ++column) {
          const double in = with[static_cast<size_t>(f) * outputs + column];
          visit(f, column, in + alpha, all - in + alpha);
        }
      }
    }
  };
  for_each([&](uint32_t, int column, double p, double q) {
    level_norm[column] += p;
    rest_norm[column] += q;
  });
  std::vector<float> ratios(static_cast<size_t>(buckets) * outputs);
  for_each([&](uint32_t f, int column, double p, double q) {
    ratios[static_cast<size_t>(f) * outputs + column] =
        static_cast<float>(std::log((p / level_norm[column]) / (q / rest_norm[column])));
  });
  return ratios;
}

TrainResult train_ngram(const TrainConfig& config, const TrainOptions& options) {
  const NgramConfig& ngram = config.ngram;
  const Run run = start_run(config, options);
  const int seed = run.seed;
  const fs::path& out = run.out;
  auto data = load_training_data(config);
  const auto& policy = data.policy;
  const auto& train_set = data.train;
  const auto& valid_set = data.valid;

  models::NgramSpec spec;
  spec.features = ngram.feature_options();
  spec.dim = ngram.dim;
  spec.embedding_dtype = ngram.embedding_dtype;
  for (const auto& c : policy.categories) spec.levels.push_back(static_cast<int>(c.levels.size()));
  const models::NgramFeaturizer featurizer(spec.features);

  // Raw term frequencies -> idf from the training texts -> weighted, normalised rows.
  std::vector<models::Features> raw;
  raw.reserve(train_set.examples.size());
  for (const auto& e : train_set.examples) raw.push_back(featurizer.extract(e.text));
  const auto idf = models::fit_idf(raw, featurizer.buckets());
  const std::vector<float> nb = ngram.nb_scale
      ? nb_log_ratios(raw, train_set.examples, spec.levels, featurizer.buckets(), ngram.nb_alpha) : std::vector<float>{};
  raw.clear();
  Featurised train{{}, &train_set.examples}, valid{{}, &valid_set.examples};
  for (const auto& e : train_set.examples) train.rows.push_back(featurizer.weighted(e.text, idf));
  for (const auto& e : valid_set.examples) valid.rows.push_back(featurizer.weighted(e.text, idf));

  const auto cw = level_weights(train_set.examples, policy, config.optim.class_weighting == "balanced");
  const int64_t total_steps = static_cast<int64_t>(train.rows.size()) * ngram.epochs;
  core::Progress progress("ngram", total_steps * static_cast<int64_t>(ngram.l2.size()));
  if (options.quiet) core::Progress::set_enabled(false);

  double best = -1.0, best_l2 = 0.0;
  int best_epoch = 0;
  std::optional<models::NgramWeights> best_weights;
  bool out_of_time = false, interrupted = false;
  // One run of SGD per L2 strength; the best (L2, epoch) on validation is kept.
  auto fit = [&](auto& heads, double l2) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    std::vector<size_t> order(train.rows.size());
    std::iota(order.begin(), order.end(), 0);
    int64_t t = 0;
    for (int epoch = 1; epoch <= ngram.epochs && !out_of_time; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      double loss = 0.0;
      for (size_t i : order) {
        // Ctrl-C / SIGTERM: stop within a few thousand steps, keeping the best weights so far
        // (an n-gram model has no checkpoint: the same command trains it again, in seconds).
        if ((t & 4095) == 0 && stop_requested()) {
          interrupted = out_of_time = true;
          break;
        }
        const double lr = ngram.lr * (1.0 - static_cast<double>(t++) / static_cast<double>(total_steps));
        loss += heads.step(train.rows[i], train_set.examples[i].labels, cw, lr, l2);
      }
      if (interrupted) break;
      progress.advance(static_cast<int64_t>(order.size()));
      const auto report = evaluate_rows(heads, valid, policy, spec.levels);
      const double score = selection_score(report);
      progress.set_postfix(fmt::format("l2 {:g} epoch {} loss {:.3f} valid {:.4f}", l2, epoch, loss / order.size(), score));
      if (score > best) {
        best = score;
        best_l2 = l2;
        best_epoch = epoch;
        best_weights = heads.to_weights(idf);
      }
      if (options.budget && Clock::now() - run.started >= *options.budget) out_of_time = true;
    }
  };
  const std::vector<float> start =
      ngram.pretrained.empty() ? std::vector<float>{} : load_pretrained_bag(ngram.pretrained, ngram.buckets_log2, ngram.dim);
  for (double l2 : ngram.l2) {
    if (out_of_time) break;
    if (spec.dim == 0) {
      SgdHeads heads(featurizer.buckets(), spec.levels, ngram.nb_scale ? &nb : nullptr);
      fit(heads, l2);
    } else {
      BagHeads heads(featurizer.buckets(), spec.dim, spec.levels, static_cast<uint64_t>(seed), start);
      fit(heads, l2);
    }
  }
  progress.finish();
  spdlog::info("n-gram model: best validation macro-F1 {:.4f} with l2 {:g} after {} epochs", best, best_l2, best_epoch);
  if (!best_weights) throw Error("training stopped before the first epoch ended; nothing was saved in " + out.string());
  models::save_ngram_model(out, spec, *best_weights, policy);

  RunEnd end{!out_of_time, interrupted, best_epoch,
             {{"kind", "ngram"}, {"recipe", recipe_fingerprint(config, seed)},  // what a later run into out compares
              {"dim", spec.dim}, {"pretrained", ngram.pretrained}, {"l2", best_l2}, {"epochs", best_epoch},
              {"selected_valid", best}}};
  return finish_run(config, data, run, std::move(end));
}

}  // namespace guardian::train

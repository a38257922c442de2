#include "train/encoder_trainer.h"

#include "core/json_file.h"

#include <cmath>
#include <fstream>
#include <numeric>
#include <random>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/progress.h"
#include "eval/evaluator.h"
#include "models/batching.h"
#include "models/encoder_model.h"
#include "models/model.h"
#include "models/model_dir.h"
#include "models/weights.h"
#include "text/sentencepiece_tokenizer.h"
#include "train/checkpoint.h"
#include "train/training_data.h"
#include "train/encoder_setup.h"
#include "train/schedule.h"
#include "train/stop_signal.h"

namespace guardian::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

models::EncoderModelSpec make_spec(const TrainConfig& config, const policy::Policy& policy, int vocab_size, int pad_id) {
  models::EncoderModelSpec spec;
  spec.classifier.encoder = encoder_config_for(config, vocab_size, pad_id);
  spec.classifier.pooling = config.model.pooling;
  spec.classifier.head_dropout = config.model.dropout;
  for (const auto& c : policy.categories) spec.classifier.levels.push_back(static_cast<int>(c.levels.size()));
  spec.max_length = config.model.max_length;
  return spec;
}

std::unique_ptr<text::Tokenizer> tokenizer_for(const TrainConfig& config, const fs::path& out_dir,
                                               const std::vector<data::Example>& train, const fs::path& data_root) {
  const fs::path path = out_dir / models::kTokenizerFile;
  // A pretrained backbone comes with its tokenizer: the ids must be the ones it learnt.
  if (!config.model.pretrained.empty() && !fs::exists(path)) {
    const fs::path source = fs::path(config.model.pretrained) / models::kTokenizerFile;
    if (!fs::exists(source)) {
      throw InputError("model.pretrained: '" + config.model.pretrained +
                       "' holds no tokenizer.model (run `guardian pretrain` with this recipe first)");
    }
    fs::create_directories(out_dir);
    fs::copy_file(source, path);
  }
  if (fs::exists(path)) return text::SentencePieceTokenizer::load(path);
  std::vector<std::string> texts;
  for (const auto& e : train) texts.push_back(e.text);
  auto extra = data::load_texts(config.data.tokenizer_text, data_root, static_cast<size_t>(config.tokenizer.max_sentences));
  texts.insert(texts.end(), std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
  return train_tokenizer(path, texts, config.tokenizer);
}

// level_weights() as one tensor per category, for cross_entropy's weight.
std::vector<torch::Tensor> class_weights(const std::vector<data::Example>& train, const policy::Policy& policy,
                                         bool balanced) {
  std::vector<torch::Tensor> out;
  for (const auto& w : level_weights(train, policy, balanced)) out.push_back(torch::tensor(w));
  return out;
}

// The mean over categories of cross-entropy on the known labels of each.
torch::Tensor batch_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                         const std::vector<int>& levels, const std::vector<torch::Tensor>& weights) {
  torch::Tensor total = torch::zeros({}, logits.options());
  int counted = 0;
  int64_t column = 0;
  for (size_t c = 0; c < levels.size(); ++c) {
    auto slice = logits.narrow(1, column, levels[c]);  // [batch, levels_c]
    column += levels[c];
    auto target = labels.select(1, static_cast<int64_t>(c));  // [batch], -1 unknown
    const auto known = target.ge(0).sum().item<int64_t>();
    if (known == 0) continue;
    auto loss = torch::nn::functional::cross_entropy(
        slice, target,
        torch::nn::functional::CrossEntropyFuncOptions().weight(weights[c]).ignore_index(-1));
    total = total + loss;
    ++counted;
  }
  return counted ? total / counted : total;
}

torch::Tensor label_tensor(const std::vector<data::Example>& examples, const std::vector<size_t>& indices) {
  const auto categories = static_cast<int64_t>(examples.front().labels.size());
  auto labels = torch::empty({static_cast<int64_t>(indices.size()), categories}, torch::kInt64);
  auto a = labels.accessor<int64_t, 2>();
  for (size_t r = 0; r < indices.size(); ++r) {
    for (int64_t c = 0; c < categories; ++c) a[r][c] = examples[indices[r]].labels[c];
  }
  return labels;
}

eval::Report evaluate_net(models::Classifier& net, const std::vector<std::vector<int>>& rows,
                          const std::vector<data::Example>& examples, const policy::Policy& policy,
                          const std::vector<int>& levels, int pad_id) {
  torch::NoGradGuard no_grad;
  net->eval();
  eval::Evaluator evaluator(policy);
  std::vector<models::CategoryLogits> logits(rows.size());
  for (const auto& indices : models::length_sorted_batches(rows, 128)) {
    auto batch = models::make_batch(rows, indices, pad_id);
    auto split = models::split_logits(net->forward(batch.input_ids, batch.attention_mask), levels);
    for (size_t i = 0; i < indices.size(); ++i) logits[indices[i]] = std::move(split[i]);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    evaluator.add(examples[i], models::to_probabilities(logits[i], policy, data::message_language(examples[i].text)));
  }
  net->train();
  return evaluator.report();
}

void append_log(const fs::path& path, const nlohmann::json& line) {
  std::ofstream out(path, std::ios::app);
  out << line.dump() << "\n";
}

std::vector<std::vector<int>> encode_all(const text::Tokenizer& tokenizer, const std::vector<data::Example>& examples,
                                         int max_length) {
  std::vector<std::vector<int>> rows;
  rows.reserve(examples.size());
  for (const auto& e : examples) rows.push_back(models::encode_for_model(tokenizer, e.text, max_length));
  return rows;
}

}  // namespace

TrainResult train_encoder(const TrainConfig& config, const TrainOptions& options) {
  const Run run = start_run(config, options);
  const int seed = run.seed;
  const fs::path& out = run.out;
  models::configure_threads(config.optim.threads);
  torch::manual_seed(seed);

  auto data = load_training_data(config);
  const auto& policy = data.policy;
  const auto& data_root = data.data_root;
  const auto& train_set = data.train;
  const auto& valid_set = data.valid;

  auto tokenizer = tokenizer_for(config, out, train_set.examples, data_root);
  const int pad_id = tokenizer->special_tokens().pad;
  auto spec = make_spec(config, policy, tokenizer->vocab_size(), pad_id);
  const auto& levels = spec.classifier.levels;
  const auto train_rows = encode_all(*tokenizer, train_set.examples, spec.max_length);
  const auto valid_rows = encode_all(*tokenizer, valid_set.examples, spec.max_length);

  models::Classifier net(spec.classifier);
  if (!config.model.pretrained.empty()) load_pretrained_backbone(*net, config.model.pretrained);
  auto optimizer = make_adamw(*net, config.optim.lr, config.optim.weight_decay);

  const int64_t steps_per_epoch =
      (static_cast<int64_t>(train_rows.size()) + config.optim.batch_size - 1) / config.optim.batch_size;
  const int64_t planned_steps = steps_per_epoch * config.optim.epochs;
  const int64_t eval_every = config.optim.eval_every > 0 ? config.optim.eval_every : std::max<int64_t>(1, steps_per_epoch / 2);

  TrainerState state;
  state.recipe = recipe_fingerprint(config, seed);
  state.schedule = {static_cast<int64_t>(config.optim.warmup * planned_steps), planned_steps, config.optim.lr};
  const fs::path checkpoint = out / models::kCheckpointDir;
  if (auto saved = load_checkpoint(checkpoint, state.recipe, *net, optimizer)) {
    state = *saved;
    // The schedule's end is refitted to this run's budget (or, with none, the recipe's epochs).
    state.schedule.total_steps = planned_steps;
    spdlog::info("resuming from step {} (epoch {}, best validation macro-F1 {:.4f})", state.step, state.epoch + 1,
                 state.best);
  } else if (fs::exists(out / models::kWeightsFile) && fs::exists(out / models::kTrainingFile)) {
    auto done = core::read_json_file(out / models::kTrainingFile);
    if (done.value("recipe", std::string()) == state.recipe && done.value("finished", false)) {
      spdlog::info("{} is already fully trained with this recipe", out.string());
      TrainResult result;
      result.finished = true;
      result.steps = done.value("steps", int64_t{0});
      result.best_valid = done.value("best_valid", 0.0);
      result.metrics = done.value("metrics", nlohmann::json::object());
      return result;
    }
  }

  const auto weights = class_weights(train_set.examples, policy, config.optim.class_weighting == "balanced");
  const fs::path log_path = out / "train_log.jsonl";
  const auto loop_start = Clock::now();
  const int64_t first_step = state.step;
  bool stopped_by_budget = false, interrupted = false;

  auto save_best = [&]() {
    models::save_weights(*net, out / models::kWeightsFile, {{"format", "pt"}});
    core::write_json_file(out / models::kConfigFile, models::encoder_spec_to_json(spec));
    policy.save(out / models::kPolicyFile);
  };

  // Scores the current weights on the validation data; keeps them when they are the best so far.
  int64_t last_validated = -1;
  auto validate = [&]() {
    last_validated = state.step;
    auto report = eval::to_json(evaluate_net(net, valid_rows, valid_set.examples, policy, levels, pad_id));
    const double score = selection_score(report);
    append_log(log_path, {{"event", "eval"}, {"step", state.step}, {"valid_macro_f1", score},
                          {"valid_aggregate", report["all"]["aggregate"]}});
    if (score <= state.best) return false;
    state.best = score;
    save_best();
    return true;
  };

  core::Progress progress("train", state.schedule.total_steps);
  progress.advance(state.step);
  if (options.quiet) core::Progress::set_enabled(false);
  net->train();
  double running_loss = 0.0;
  while (state.epoch < config.optim.epochs && state.step < state.schedule.total_steps && !state.early_stopped) {
    const auto batches = epoch_batches(train_rows, config.optim.batch_size, seed, state.epoch);
    for (; state.batch_in_epoch < static_cast<int64_t>(batches.size()); ++state.batch_in_epoch) {
      if (stop_requested()) { interrupted = true; break; }
      const auto elapsed = Clock::now() - loop_start;
      if ((options.budget && elapsed >= *options.budget) ||
          (options.stop_after_steps && state.step >= *options.stop_after_steps)) {
        stopped_by_budget = true;
        break;
      }
      if (state.step >= state.schedule.total_steps) break;

      const auto& indices = batches[state.batch_in_epoch];
      auto batch = models::make_batch(train_rows, indices, pad_id);
      auto labels = label_tensor(train_set.examples, indices);
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(state.schedule.at(state.step));
      }
      optimizer.zero_grad();
      auto loss = batch_loss(net->forward(batch.input_ids, batch.attention_mask), labels, levels, weights);
      loss.backward();
      if (config.optim.clip > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), config.optim.clip);
      optimizer.step();
      ++state.step;
      const double value = loss.item<double>();
      running_loss = state.step == first_step + 1 ? value : 0.98 * running_loss + 0.02 * value;
      progress.advance();
      progress.set_postfix(fmt::format("loss {:.3f} best {:.3f}", running_loss, state.best));

      // With a budget, fit the schedule's end to the steps the budget allows once the speed is
      // known, and refit it every 50 steps (the speed changes when the machine is shared).
      const int64_t taken = state.step - first_step;
      if (options.budget && taken >= 20 && (taken == 20 || taken % 50 == 0)) {
        const double seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
        const double rate = static_cast<double>(taken) / std::max(1e-3, seconds);
        const double left_s = std::chrono::duration<double>(*options.budget).count() - seconds;
        const auto reachable = state.step + static_cast<int64_t>(rate * std::max(0.0, left_s) * 0.95);
        state.schedule.total_steps = std::clamp<int64_t>(reachable, state.step + 1, planned_steps);
        spdlog::debug("budget allows about {} steps; schedule ends at step {}", reachable, state.schedule.total_steps);
      }
      if (state.step % 50 == 0) {
        append_log(log_path, {{"event", "step"}, {"step", state.step}, {"epoch", state.epoch},
                              {"loss", running_loss}, {"lr", state.schedule.at(state.step)},
                              {"seconds", std::chrono::duration<double>(Clock::now() - run.started).count()}});
      }
      if (state.step % eval_every == 0 || state.step == state.schedule.total_steps) {
        if (validate()) {
          state.evals_since_best = 0;
        } else if (++state.evals_since_best >= config.optim.patience) {
          state.early_stopped = true;
          spdlog::info("early stopping at step {}: no gain in {} evaluations", state.step, config.optim.patience);
          ++state.batch_in_epoch;
          break;
        }
      }
    }
    if (interrupted || stopped_by_budget) break;
    if (state.batch_in_epoch >= static_cast<int64_t>(batches.size())) {
      ++state.epoch;
      state.batch_in_epoch = 0;
    }
    if (state.step >= state.schedule.total_steps) break;
  }
  progress.finish();
  // A run cut short by its budget or a signal still keeps its last steps if they are the best.
  if (state.step > first_step && last_validated != state.step) validate();

  const bool finished = !interrupted && !stopped_by_budget &&
                        (state.early_stopped || state.epoch >= config.optim.epochs || state.step >= planned_steps);
  if (state.best <= 0.0 || !fs::exists(out / models::kWeightsFile)) save_best();  // nothing evaluated yet
  if (finished) {
    fs::remove_all(checkpoint);
  } else {
    save_checkpoint(checkpoint, state, *net, optimizer);
    spdlog::info("checkpoint saved at step {}; run again (with --budget) to continue", state.step);
  }

  // Report the best checkpoint as it is served, not the last step's net.
  RunEnd end{finished, interrupted, state.step, {{"recipe", state.recipe}, {"steps", state.step}}};
  return finish_run(config, data, run, std::move(end));
}

}  // namespace guardian::train

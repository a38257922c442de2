#include "core/json_file.h"
#include "train/pretrainer.h"

#include <fstream>
#include <random>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/progress.h"
#include "models/batching.h"
#include "models/masked_lm.h"
#include "models/model.h"
#include "models/model_dir.h"
#include "models/weights.h"
#include "train/checkpoint.h"
#include "train/decoder_pretrainer.h"
#include "train/training_data.h"
#include "train/encoder_setup.h"
#include "train/stop_signal.h"
#include "text/sentencepiece_tokenizer.h"

namespace guardian::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kHeldOut = 512;  // texts kept out of training for the held-out loss

std::string pretrain_fingerprint(const TrainConfig& c) {
  nlohmann::json j = {{"text", c.pretrain.text}, {"train", c.data.train}, {"max_texts", c.pretrain.max_texts},
                      {"mask_prob", c.pretrain.mask_prob}, {"batch_size", c.pretrain.batch_size},
                      {"lr", c.pretrain.lr}, {"warmup", c.pretrain.warmup},
                      {"tokenizer", {c.tokenizer.vocab_size, c.tokenizer.max_sentences}},
                      {"model", {c.model.hidden_size, c.model.num_hidden_layers, c.model.num_attention_heads,
                                 c.model.intermediate_size, c.model.dropout, c.model.max_length}},
                      {"seed", c.optim.seed}};
  return "pretrain-" + std::to_string(std::hash<std::string>{}(j.dump()));
}

struct MaskedBatch {
  torch::Tensor input_ids;       // [batch, seq] with the chosen tokens replaced
  torch::Tensor attention_mask;  // [batch, seq]
  torch::Tensor positions;       // [n] flat positions of the chosen tokens
  torch::Tensor targets;         // [n] their original ids
};

// BERT's masking: each non-special token is chosen with probability mask_prob (at least one per
// batch); a chosen token becomes [MASK] 80% of the time, a random piece 10%, itself 10%.
MaskedBatch mask_batch(const std::vector<std::vector<int>>& rows, const std::vector<size_t>& indices,
                       const text::SpecialTokens& specials, int vocab_size, double mask_prob, std::mt19937_64& rng) {
  auto batch = models::make_batch(rows, indices, specials.pad);
  MaskedBatch out{batch.input_ids, batch.attention_mask, {}, {}};
  auto ids = out.input_ids.accessor<int64_t, 2>();
  const int64_t seq = out.input_ids.size(1);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::uniform_int_distribution<int> random_piece(0, vocab_size - 1);
  std::vector<int64_t> positions, targets;
  auto is_special = [&](int64_t id) { return id == specials.pad || id == specials.bos || id == specials.eos; };
  int64_t first_candidate = -1;
  for (int64_t r = 0; r < out.input_ids.size(0); ++r) {
    for (int64_t t = 0; t < static_cast<int64_t>(rows[indices[r]].size()); ++t) {
      if (is_special(ids[r][t])) continue;
      if (first_candidate < 0) first_candidate = r * seq + t;
      if (uniform(rng) >= mask_prob) continue;
      positions.push_back(r * seq + t);
      targets.push_back(ids[r][t]);
    }
  }
  if (positions.empty() && first_candidate >= 0) {
    positions.push_back(first_candidate);
    targets.push_back(ids[first_candidate / seq][first_candidate % seq]);
  }
  for (int64_t p : positions) {
    const double u = uniform(rng);
    if (u < 0.8) {
      ids[p / seq][p % seq] = specials.mask;
    } else if (u < 0.9) {
      ids[p / seq][p % seq] = random_piece(rng);
    }
  }
  out.positions = torch::tensor(positions, torch::kInt64);
  out.targets = torch::tensor(targets, torch::kInt64);
  return out;
}

void append_log(const fs::path& path, const nlohmann::json& line) {
  std::ofstream out(path, std::ios::app);
  out << line.dump() << "\n";
}

}  // namespace

PretrainResult pretrain(const TrainConfig& config, const PretrainOptions& options) {
  if (config.pretrain.objective == "causal") return pretrain_causal(config, options);
  const auto started = Clock::now();
  const fs::path out = !options.out_dir.empty()          ? options.out_dir
                       : !config.model.pretrained.empty() ? fs::path(config.model.pretrained)
                                                          : fs::path("models") / "pretrained" / config.name;
  fs::create_directories(out);
  models::configure_threads(config.optim.threads);
  torch::manual_seed(config.optim.seed);

  // 1. Text: the unlabelled specs, then the recipe's training texts; the licence rules of training apply.
  const auto purpose = config.data.research_only ? data::Purpose::kTrainResearch : data::Purpose::kTrain;
  const auto data_root = core::data_root();
  auto texts = data::load_texts(config.pretrain.text, data_root, static_cast<size_t>(config.pretrain.max_texts), purpose);
  // load_texts stops at its limit, so what is left of max_texts goes to the training texts.
  auto labelled = data::load_texts(config.data.train, data_root, static_cast<size_t>(config.pretrain.max_texts) - texts.size(),
                             purpose);
  texts.insert(texts.end(), std::make_move_iterator(labelled.begin()), std::make_move_iterator(labelled.end()));
  if (texts.size() < 2) throw InputError("pretrain: the recipe's [pretrain] text and data.train hold no texts");
  std::mt19937_64 shuffle_rng(static_cast<uint64_t>(config.optim.seed));
  std::shuffle(texts.begin(), texts.end(), shuffle_rng);

  // 2. Tokenizer (trained once, on the pretraining text) and ids.
  const fs::path tokenizer_path = out / models::kTokenizerFile;
  std::unique_ptr<text::Tokenizer> tokenizer;
  if (fs::exists(tokenizer_path)) {
    tokenizer = text::SentencePieceTokenizer::load(tokenizer_path);
  } else {
    tokenizer = train_tokenizer(tokenizer_path, texts, config.tokenizer);
  }
  const auto specials = tokenizer->special_tokens();
  if (specials.mask < 0 || specials.pad < 0) {
    throw FormatError(tokenizer_path.string() + ": the tokenizer has no mask or pad piece; delete it to retrain");
  }
  std::vector<std::vector<int>> rows;
  for (const auto& t : texts) {
    auto ids = models::encode_for_model(*tokenizer, t, config.model.max_length);
    if (ids.size() >= 3) rows.push_back(std::move(ids));  // something besides the specials
  }
  texts.clear();
  const size_t held = std::min(kHeldOut, rows.size() / 10);
  std::vector<std::vector<int>> heldout(rows.end() - static_cast<std::ptrdiff_t>(held), rows.end());
  rows.resize(rows.size() - held);
  spdlog::info("pretrain: {} texts ({} held out), vocabulary {}", rows.size(), heldout.size(), tokenizer->vocab_size());

  // 3. Model and optimiser; resume when the checkpoint is of this recipe.
  const auto encoder = encoder_config_for(config, tokenizer->vocab_size(), specials.pad);
  models::MaskedLM net(encoder);
  auto optimizer = make_adamw(*net, config.pretrain.lr, config.optim.weight_decay);
  TrainerState state;
  state.recipe = pretrain_fingerprint(config);
  state.schedule = {static_cast<int64_t>(config.pretrain.warmup * config.pretrain.steps), config.pretrain.steps,
                    config.pretrain.lr};
  const fs::path checkpoint = out / models::kCheckpointDir;
  if (auto saved = load_checkpoint(checkpoint, state.recipe, *net, optimizer)) {
    state = *saved;
    state.schedule.total_steps = config.pretrain.steps;
    spdlog::info("pretrain: resuming from step {}", state.step);
  } else if (fs::exists(out / "pretrain.json")) {
    auto done = core::read_json_file(out / "pretrain.json");
    if (done.value("recipe", std::string()) == state.recipe && done.value("finished", false)) {
      spdlog::info("{} is already fully pretrained with this recipe", out.string());
      PretrainResult result;
      result.finished = true;
      result.steps = done.value("steps", int64_t{0});
      result.heldout_loss = done.value("heldout_loss", 0.0);
      result.dir = out;
      return result;
    }
  }

  // Held-out loss with masks fixed by a seed, so values are comparable across the run.
  auto heldout_loss = [&]() {
    torch::NoGradGuard no_grad;
    net->eval();
    std::mt19937_64 rng(12345);
    double total = 0.0;
    int64_t n = 0;
    for (const auto& indices : models::length_sorted_batches(heldout, 64)) {
      auto b = mask_batch(heldout, indices, specials, tokenizer->vocab_size(), config.pretrain.mask_prob, rng);
      auto logits = net->forward(b.input_ids, b.attention_mask, b.positions);
      total += torch::nn::functional::cross_entropy(logits, b.targets,
                                                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                   .item<double>();
      n += b.targets.size(0);
    }
    net->train();
    return n ? total / static_cast<double>(n) : 0.0;
  };

  const fs::path log_path = out / "pretrain_log.jsonl";
  core::Progress progress("pretrain", state.schedule.total_steps);
  progress.advance(state.step);
  if (options.quiet) core::Progress::set_enabled(false);
  net->train();
  const auto loop_start = Clock::now();
  const int64_t first_step = state.step;
  int64_t tokens = 0;
  double running = 0.0;
  bool interrupted = false, stopped = false;
  while (state.step < state.schedule.total_steps && !interrupted && !stopped) {
    const auto batches = epoch_batches(rows, config.pretrain.batch_size, config.optim.seed, state.epoch);
    for (; state.batch_in_epoch < static_cast<int64_t>(batches.size()); ++state.batch_in_epoch) {
      if (stop_requested()) { interrupted = true; break; }
      if ((options.budget && Clock::now() - loop_start >= *options.budget) ||
          (options.stop_after_steps && state.step >= *options.stop_after_steps)) {
        stopped = true;
        break;
      }
      if (state.step >= state.schedule.total_steps) break;
      // The masks of a step depend only on (seed, step): a resumed run draws the same ones.
      std::mt19937_64 rng(static_cast<uint64_t>(config.optim.seed) * 7919ULL + static_cast<uint64_t>(state.step));
      auto b = mask_batch(rows, batches[state.batch_in_epoch], specials, tokenizer->vocab_size(),
                          config.pretrain.mask_prob, rng);
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(state.schedule.at(state.step));
      }
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(net->forward(b.input_ids, b.attention_mask, b.positions),
                                                       b.targets);
      loss.backward();
      if (config.optim.clip > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), config.optim.clip);
      optimizer.step();
      ++state.step;
      tokens += b.attention_mask.sum().item<int64_t>();
      const double value = loss.item<double>();
      running = state.step == first_step + 1 ? value : 0.98 * running + 0.02 * value;
      const double seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
      progress.advance();
      progress.set_postfix(fmt::format("loss {:.3f} {:.0f} tok/s", running, tokens / std::max(1e-3, seconds)));
      // With a budget, the schedule ends where the budget will (refitted as the speed changes).
      const int64_t taken = state.step - first_step;
      if (options.budget && taken >= 20 && (taken == 20 || taken % 50 == 0)) {
        const double left = std::chrono::duration<double>(*options.budget).count() - seconds;
        const auto reachable = state.step + static_cast<int64_t>(taken / std::max(1e-3, seconds) * std::max(0.0, left) * 0.95);
        state.schedule.total_steps = std::clamp<int64_t>(reachable, state.step + 1, config.pretrain.steps);
        // The warm-up is a fraction of the steps the budget allows, not of the recipe's steps.
        state.schedule.warmup_steps = std::min<int64_t>(
            state.schedule.warmup_steps, static_cast<int64_t>(config.pretrain.warmup * state.schedule.total_steps));
      }
      if (state.step % 50 == 0) {
        append_log(log_path, {{"event", "step"}, {"step", state.step}, {"loss", running},
                              {"lr", state.schedule.at(state.step)}, {"tokens_per_second", tokens / std::max(1e-3, seconds)},
                              {"seconds", std::chrono::duration<double>(Clock::now() - started).count()}});
      }
      if (state.step % 500 == 0) {
        const double h = heldout_loss();
        append_log(log_path, {{"event", "heldout"}, {"step", state.step}, {"heldout_loss", h}});
      }
    }
    if (interrupted || stopped) break;
    ++state.epoch;
    state.batch_in_epoch = 0;
  }
  progress.finish();

  const bool finished = !interrupted && !stopped && state.step >= state.schedule.total_steps;
  PretrainResult result;
  result.finished = finished;
  result.interrupted = interrupted;
  result.steps = state.step;
  result.train_loss = running;
  result.heldout_loss = heldout_loss();
  const double seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
  result.tokens_per_second = tokens / std::max(1e-3, seconds);
  result.dir = out;
  models::save_weights(*net, out / models::kWeightsFile, {{"format", "pt"}});
  nlohmann::json config_json;
  models::encoder_config_to_json(encoder, config_json);
  core::write_json_file(out / models::kConfigFile, config_json);
  if (finished) {
    fs::remove_all(checkpoint);
  } else {
    save_checkpoint(checkpoint, state, *net, optimizer);
    spdlog::info("pretrain: checkpoint saved at step {}; run again to continue", state.step);
  }
  append_log(log_path, {{"event", "heldout"}, {"step", state.step}, {"heldout_loss", result.heldout_loss}});
  core::write_json_file(out / "pretrain.json",
                          {{"recipe", state.recipe}, {"name", config.name}, {"finished", finished},
                           {"steps", state.step}, {"train_loss", result.train_loss},
                           {"heldout_loss", result.heldout_loss}, {"texts", rows.size()},
                           {"text_specs", config.pretrain.text}, {"train_specs", config.data.train},
                           {"research_only", config.data.research_only},
                           {"tokens_per_second_last_run", result.tokens_per_second},
                           {"seconds_last_run", std::chrono::duration<double>(Clock::now() - started).count()}});
  return result;
}

}  // namespace guardian::train

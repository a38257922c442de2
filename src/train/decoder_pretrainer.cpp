#include "train/decoder_pretrainer.h"

#include <fstream>
#include <numeric>
#include <random>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/json_file.h"
#include "core/progress.h"
#include "infer/perplexity.h"
#include "models/model.h"
#include "models/model_dir.h"
#include "text/sentencepiece_tokenizer.h"
#include "train/causal_lm.h"
#include "train/checkpoint.h"
#include "train/decoder_export.h"
#include "train/encoder_setup.h"
#include "train/pretrain_text.h"
#include "train/stop_signal.h"

namespace guardian::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string causal_fingerprint(const TrainConfig& c) {
  const auto& m = c.model;
  const auto& p = c.pretrain;
  nlohmann::json j = {{"objective", p.objective}, {"text", p.text}, {"train", c.data.train},
                      {"max_texts", p.max_texts}, {"batch_size", p.batch_size}, {"lr", p.lr},
                      {"warmup", p.warmup}, {"steps", p.steps}, {"tokens", p.tokens},
                      {"heldout_texts", p.heldout_texts}, {"tokenizer", {c.tokenizer.vocab_size, c.tokenizer.max_sentences}},
                      {"model", {m.hidden_size, m.num_hidden_layers, m.num_attention_heads, m.num_key_value_heads,
                                 m.intermediate_size, m.max_length, m.tie_word_embeddings}},
                      {"optim", {c.optim.weight_decay, c.optim.clip}}, {"seed", c.optim.seed}};
  return "causal-" + std::to_string(std::hash<std::string>{}(j.dump()));
}

void append_log(const fs::path& path, const nlohmann::json& line) {
  std::ofstream out(path, std::ios::app);
  out << line.dump() << "\n";
}

// The rows of one step: the epoch's seeded permutation, batch_size rows at a time (a last short
// batch is skipped, so every step trains on exactly batch_size * max_length tokens).
torch::Tensor step_rows(const std::vector<std::vector<int>>& rows, const std::vector<size_t>& order, int64_t batch_index,
                        int batch_size) {
  std::vector<int64_t> flat;
  flat.reserve(static_cast<size_t>(batch_size) * rows[0].size());
  for (int64_t i = 0; i < batch_size; ++i) {
    const auto& row = rows[order[static_cast<size_t>(batch_index * batch_size + i)]];
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return torch::tensor(flat, torch::kInt64).view({batch_size, static_cast<int64_t>(rows[0].size())});
}

std::vector<size_t> epoch_order(size_t rows, int seed, int64_t epoch) {
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(epoch));
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

}  // namespace

PretrainResult pretrain_causal(const TrainConfig& config, const PretrainOptions& options) {
  const auto started = Clock::now();
  const auto& pc = config.pretrain;
  const fs::path out = !options.out_dir.empty()          ? options.out_dir
                       : !config.model.pretrained.empty() ? fs::path(config.model.pretrained)
                                                          : fs::path("models") / "pretrained" / config.name;
  fs::create_directories(out);
  models::configure_threads(config.optim.threads);
  const std::string recipe = causal_fingerprint(config);
  if (fs::exists(out / "pretrain.json") && !fs::exists(out / models::kCheckpointDir)) {
    const auto done = core::read_json_file(out / "pretrain.json");
    if (done.value("recipe", std::string()) == recipe && done.value("finished", false)) {
      spdlog::info("{} is already fully pretrained with this recipe", out.string());
      PretrainResult result;
      result.finished = true;
      result.steps = done.value("steps", int64_t{0});
      result.tokens = done.value("tokens", int64_t{0});
      const auto heldout = done.value("heldout", nlohmann::json::object());
      result.heldout_perplexity = heldout.value("perplexity", 0.0);
      result.heldout_loss = heldout.value("mean_nll", 0.0);
      result.dir = out;
      return result;
    }
  }

  // 1. Text, shuffled by the seed; the last heldout_texts (at most a tenth) are the held-out slice.
  auto gathered = gather_pretrain_text(config);
  auto& texts = gathered.texts;
  if (texts.size() < 2) throw InputError("pretrain: the recipe's [pretrain] text and data.train hold no texts");
  std::mt19937_64 shuffle_rng(static_cast<uint64_t>(config.optim.seed));
  std::shuffle(texts.begin(), texts.end(), shuffle_rng);
  const size_t held = std::max<size_t>(1, std::min(static_cast<size_t>(pc.heldout_texts), texts.size() / 10));
  std::vector<std::string> heldout_texts(texts.end() - static_cast<std::ptrdiff_t>(held), texts.end());
  texts.resize(texts.size() - held);

  // 2. Tokenizer, trained once on the training texts (never the held-out ones), and ids.
  const fs::path tokenizer_path = out / models::kTokenizerFile;
  if (!fs::exists(tokenizer_path)) train_tokenizer(tokenizer_path, texts, config.tokenizer);
  const auto tokenizer = text::SentencePieceTokenizer::load(tokenizer_path);
  const auto sp = tokenizer->special_tokens();
  if (sp.bos < 0 || sp.eos < 0 || sp.pad < 0) {
    throw FormatError(tokenizer_path.string() + ": the tokenizer lacks a <s>, </s> or <pad> piece; delete it to retrain");
  }
  const DecoderSpecialIds ids{sp.bos, sp.eos, sp.pad};
  auto encode_all = [&](const std::vector<std::string>& from) {
    std::vector<std::vector<int>> encoded;
    for (const auto& t : from) {
      auto e = tokenizer->encode(t, /*add_special_tokens=*/false);
      if (!e.ids.empty()) encoded.push_back(std::move(e.ids));
    }
    return encoded;
  };
  const auto heldout = encode_all(heldout_texts);
  const auto rows = pack_rows(encode_all(texts), config.model.max_length, ids);
  texts.clear();
  if (rows.size() < static_cast<size_t>(pc.batch_size)) {
    throw InputError("pretrain: " + std::to_string(rows.size()) + " packed rows of " +
                     std::to_string(config.model.max_length) + " tokens are fewer than pretrain.batch_size (" +
                     std::to_string(pc.batch_size) + "); give it more text");
  }
  const int64_t tokens_per_step = static_cast<int64_t>(pc.batch_size) * config.model.max_length;
  const int64_t total_steps = pc.tokens > 0 ? (pc.tokens + tokens_per_step - 1) / tokens_per_step : pc.steps;
  const int64_t batches_per_epoch = static_cast<int64_t>(rows.size()) / pc.batch_size;
  spdlog::info("pretrain: {} rows of {} tokens ({} held-out texts), vocabulary {}, {} steps of {} tokens", rows.size(),
               config.model.max_length, heldout.size(), tokenizer->vocab_size(), total_steps, tokens_per_step);

  // 3. Model and optimiser; resume when the checkpoint is of this recipe.
  const auto decoder_config = decoder_config_for(config.model, tokenizer->vocab_size(), ids);
  torch::manual_seed(config.optim.seed);
  DecoderWeights weights(decoder_config);
  const auto decoder = models::decoders::decoder_over_tensors(decoder_config, weights->tensors);
  auto optimizer = make_adamw(*weights, pc.lr, config.optim.weight_decay);
  TrainerState state;
  state.recipe = recipe;
  state.schedule = {static_cast<int64_t>(pc.warmup * static_cast<double>(total_steps)), total_steps, pc.lr};
  const fs::path checkpoint = out / models::kCheckpointDir;
  double seconds_before = 0.0;  // loop time of the earlier runs this one resumes
  if (auto saved = load_checkpoint(checkpoint, recipe, *weights, optimizer)) {
    state = *saved;
    if (fs::exists(out / "pretrain.json")) seconds_before = core::read_json_file(out / "pretrain.json").value("seconds", 0.0);
    spdlog::info("pretrain: resuming from step {}", state.step);
  }
  auto heldout_perplexity = [&] { return infer::decoder_perplexity(*decoder, heldout, ids.bos, ids.eos, ids.pad); };

  // 4. The step loop.
  const fs::path log_path = out / "pretrain_log.jsonl";
  if (options.quiet) core::Progress::set_enabled(false);
  core::Progress progress("pretrain", total_steps);
  progress.advance(state.step);
  const auto loop_start = Clock::now();
  const int64_t first_step = state.step;
  double running = 0.0;
  bool interrupted = false, stopped = false;
  while (state.step < total_steps && !interrupted && !stopped) {
    const auto order = epoch_order(rows.size(), config.optim.seed, state.epoch);
    for (; state.batch_in_epoch < batches_per_epoch && state.step < total_steps; ++state.batch_in_epoch) {
      if (stop_requested()) { interrupted = true; break; }
      if ((options.budget && Clock::now() - loop_start >= *options.budget) ||
          (options.stop_after_steps && state.step >= *options.stop_after_steps)) {
        stopped = true;
        break;
      }
      const double lr = state.schedule.cosine_at(state.step);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      optimizer.zero_grad();
      auto loss = causal_loss(*decoder, step_rows(rows, order, state.batch_in_epoch, pc.batch_size));
      loss.backward();
      if (config.optim.clip > 0) torch::nn::utils::clip_grad_norm_(weights->parameters(), config.optim.clip);
      optimizer.step();
      ++state.step;
      const double value = loss.item<double>();
      running = state.step == first_step + 1 ? value : 0.98 * running + 0.02 * value;
      const double seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
      const double speed = static_cast<double>((state.step - first_step) * tokens_per_step) / std::max(1e-3, seconds);
      progress.advance();
      progress.set_postfix(fmt::format("loss {:.3f} {:.0f} tok/s", running, speed));
      if (state.step % 50 == 0 || state.step == 1) {
        append_log(log_path, {{"event", "step"}, {"step", state.step}, {"tokens", state.step * tokens_per_step},
                              {"loss", value}, {"running_loss", running}, {"lr", lr}, {"tokens_per_second", speed}});
      }
      if (state.step % 500 == 0) {
        const auto p = heldout_perplexity();
        append_log(log_path, {{"event", "heldout"}, {"step", state.step}, {"perplexity", p.perplexity()}});
      }
    }
    if (interrupted || stopped) break;
    ++state.epoch;
    state.batch_in_epoch = 0;
  }
  progress.finish();

  // 5. The Hugging Face directory, and the checkpoint while unfinished.
  const bool finished = !interrupted && !stopped && state.step >= total_steps;
  const double loop_seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
  const int64_t run_tokens = (state.step - first_step) * tokens_per_step;
  write_decoder_files(out, decoder_config, ids, *tokenizer);
  write_decoder_weights(out / models::kWeightsFile, weights->tensors);
  if (finished) {
    fs::remove_all(checkpoint);
  } else {
    save_checkpoint(checkpoint, state, *weights, optimizer);
    spdlog::info("pretrain: checkpoint saved at step {}; run again to continue", state.step);
  }
  const auto p = heldout_perplexity();
  append_log(log_path, {{"event", "heldout"}, {"step", state.step}, {"perplexity", p.perplexity()}});
  int64_t parameters = 0;
  for (const auto& t : weights->parameters()) parameters += t.numel();

  PretrainResult result;
  result.finished = finished;
  result.interrupted = interrupted;
  result.steps = state.step;
  result.tokens = state.step * tokens_per_step;
  result.train_loss = running;
  result.heldout_loss = p.mean_nll();
  result.heldout_perplexity = p.perplexity();
  result.tokens_per_second = static_cast<double>(run_tokens) / std::max(1e-3, loop_seconds);
  result.dir = out;
  const double seconds = seconds_before + loop_seconds;
  core::write_json_file(
      out / "pretrain.json",
      {{"recipe", recipe}, {"name", config.name}, {"objective", "causal"}, {"finished", finished},
       {"steps", state.step}, {"tokens", result.tokens}, {"tokens_target", total_steps * tokens_per_step},
       {"seconds", seconds}, {"tokens_per_second", static_cast<double>(result.tokens) / std::max(1e-3, seconds)},
       {"tokens_per_second_last_run", result.tokens_per_second}, {"train_loss", running},
       {"heldout", {{"texts", p.texts}, {"tokens", p.tokens}, {"mean_nll", p.mean_nll()}, {"perplexity", p.perplexity()},
                    {"convention", "<s> text </s>, every token after <s> predicted"}}},
       {"parameters", parameters}, {"vocab_size", tokenizer->vocab_size()}, {"rows", rows.size()},
       {"scored_duplicates_removed", gathered.scored_duplicates}, {"scored_specs", gathered.scored_specs},
       {"text_specs", pc.text}, {"train_specs", config.data.train}, {"research_only", config.data.research_only},
       {"seconds_this_run_with_setup", std::chrono::duration<double>(Clock::now() - started).count()}});
  return result;
}

}  // namespace guardian::train

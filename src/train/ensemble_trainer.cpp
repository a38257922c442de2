#include "core/json_file.h"
#include "train/ensemble_trainer.h"

#include <chrono>
#include <algorithm>
#include <cmath>
#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <tuple>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "eval/evaluator.h"
#include "models/model_dir.h"
#include "train/trainer.h"
#include "train/training_data.h"
#include "train/decision_bias.h"
#include "train/ngram_trainer.h"
#include "train/recipe_fingerprint.h"

namespace guardian::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// An n-gram member's table: [ngram] or its [ngram_<name>]; none for the encoder.
const NgramConfig* ngram_config_of(const TrainConfig& config, const std::string& member) {
  if (member == "encoder") return nullptr;
  if (auto it = config.ngram_members.find(member); it != config.ngram_members.end()) return &it->second;
  return &config.ngram;
}

// The recipe a member is trained from: the ensemble's data and policy, the member's own model.
TrainConfig member_config(const TrainConfig& config, const std::string& member) {
  TrainConfig c = config;
  c.name = config.name + "/" + member;
  const NgramConfig* ngram = ngram_config_of(config, member);
  c.model.kind = ngram ? "ngram" : "encoder";
  if (ngram) c.ngram = *ngram;
  return c;
}

// A member to keep: one trained from the recipe's settings for it (training.json's fingerprint;
// a member written before fingerprints were kept counts as such), that is an n-gram member at all
// (training it again under what is left of a later, smaller budget could only make it worse) or an
// encoder that finished. A member of other settings is trained again: the changed recipe is what
// the user asked for, and serving the old member under it would report the old model as the new.
bool keep_member(const fs::path& dir, const TrainConfig& member, int seed) {
  if (!fs::exists(dir / models::kTrainingFile) || !fs::exists(dir / models::kConfigFile)) return false;
  const auto training = core::read_json_file(dir / models::kTrainingFile);
  if (training.contains("recipe") && training["recipe"] != recipe_fingerprint(member, seed)) {
    spdlog::warn("ensemble member {} was trained from other settings than this recipe's; training it again",
                 dir.string());
    return false;
  }
  return member.model.kind != "encoder" || training.value("finished", false);
}

// One model directory of the ensemble: a member of [ensemble] members, or one of its replicas
// (members/<member>, then <member>.2, <member>.3, ...: the same recipe under another seed).
struct MemberCopy {
  std::string dir_name;
  std::string member;
  int replica = 0;
};

// The copies in the recipe's order, a member's replicas after it (the order of the fitted weights).
std::vector<MemberCopy> member_copies(const TrainConfig& config) {
  std::vector<MemberCopy> copies;
  for (const auto& m : config.ensemble.members) {
    const NgramConfig* ngram = ngram_config_of(config, m);
    const int replicas = ngram ? ngram->replicas : 1;
    for (int r = 0; r < replicas; ++r) copies.push_back({r == 0 ? m : m + "." + std::to_string(r + 1), m, r});
  }
  return copies;
}

// Runs work(0..count-1) on up to one thread per core; the first exception is rethrown once all are done.
void run_in_parallel(size_t count, const std::function<void(size_t)>& work) {
  const size_t workers = std::min<size_t>(count, std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  std::vector<std::exception_ptr> errors(count);
  auto worker = [&] {
    for (size_t k = next++; k < count; k = next++) {
      try {
        work(k);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  for (const auto& e : errors) if (e) std::rethrow_exception(e);
}

}  // namespace

nlohmann::json fit_cascade(models::EnsembleSpec& spec, const std::vector<std::vector<models::CategoryLogits>>& member_lp,
                           double recall, const std::vector<bool>& counted) {
  spec.gate = 0;
  const size_t n = member_lp.empty() ? 0 : member_lp[0].size();
  std::vector<float> flagged_gate;  // gate scores of the messages the full ensemble flags
  std::vector<float> all_gate;
  std::vector<models::CategoryLogits> per_member(member_lp.size());
  for (size_t i = 0; i < n; ++i) {
    for (size_t m = 0; m < member_lp.size(); ++m) per_member[m] = member_lp[m][i];
    const auto combined = models::combine(spec, per_member);
    bool flagged = false;
    for (size_t c = 0; c < combined.size(); ++c) {
      const auto& levels = combined[c];
      flagged = flagged || (c < counted.size() && counted[c] && std::max_element(levels.begin(), levels.end()) != levels.begin());
    }
    const float g = models::gate_score(member_lp[0][i], counted);
    all_gate.push_back(g);
    if (flagged) flagged_gate.push_back(g);
  }
  std::sort(flagged_gate.begin(), flagged_gate.end());
  spec.gate_threshold = 0.0f;
  if (!flagged_gate.empty()) {
    const auto k = static_cast<size_t>(std::floor((1.0 - recall) * static_cast<double>(flagged_gate.size()) + 1e-9));
    spec.gate_threshold = flagged_gate[std::min(k, flagged_gate.size() - 1)];
  }
  const auto skipped = std::count_if(all_gate.begin(), all_gate.end(), [&](float g) { return g < spec.gate_threshold; });
  return {{"gate", spec.members[0]}, {"threshold", spec.gate_threshold}, {"recall", recall},
          {"skipped_fraction", n ? static_cast<double>(skipped) / static_cast<double>(n) : 0.0}};
}

std::pair<std::vector<float>, std::vector<float>> fit_combination(
    const std::vector<std::vector<std::vector<float>>>& log_probs, const std::vector<int>& labels, size_t members,
    const std::vector<float>& level_weight) {
  if (!log_probs.empty() && log_probs[0].size() != members) {
    throw Error("fit_combination: scores of " + std::to_string(log_probs[0].size()) + " members given for a " +
                "combination of " + std::to_string(members));
  }
  const size_t levels = level_weight.size();
  std::vector<double> w(members, 1.0 / std::max<size_t>(1, members)), b(levels, 0.0);
  if (log_probs.empty()) return {std::vector<float>(w.begin(), w.end()), std::vector<float>(levels, 0.0f)};
  double total_weight = 0.0;
  for (int y : labels) total_weight += level_weight[y];
  // Full-batch gradient descent with momentum: a convex problem in (w, b) of a handful of
  // parameters; weights are kept >= 0 so a member can be switched off but never inverted.
  const double lr = 0.5, momentum = 0.9, ridge = 1e-3;
  std::vector<double> vw(members, 0.0), vb(levels, 0.0), z(levels), p(levels);
  for (int iteration = 0; iteration < 500; ++iteration) {
    std::vector<double> gw(members, 0.0), gb(levels, 0.0);
    for (size_t i = 0; i < log_probs.size(); ++i) {
      double top = -INFINITY;
      for (size_t l = 0; l < levels; ++l) {
        z[l] = b[l];
        for (size_t m = 0; m < members; ++m) z[l] += w[m] * log_probs[i][m][l];
        top = std::max(top, z[l]);
      }
      double sum = 0.0;
      for (size_t l = 0; l < levels; ++l) sum += p[l] = std::exp(z[l] - top);
      const double weight = level_weight[labels[i]] / total_weight;
      for (size_t l = 0; l < levels; ++l) {
        const double g = weight * (p[l] / sum - (static_cast<int>(l) == labels[i] ? 1.0 : 0.0));
        gb[l] += g;
        for (size_t m = 0; m < members; ++m) gw[m] += g * log_probs[i][m][l];
      }
    }
    for (size_t m = 0; m < members; ++m) {
      gw[m] += ridge * (w[m] - 1.0 / members);
      vw[m] = momentum * vw[m] - lr * gw[m];
      w[m] = std::max(0.0, w[m] + vw[m]);
    }
    for (size_t l = 0; l < levels; ++l) {
      gb[l] += ridge * b[l];
      vb[l] = momentum * vb[l] - lr * gb[l];
      b[l] += vb[l];
    }
  }
  return {std::vector<float>(w.begin(), w.end()), std::vector<float>(b.begin(), b.end())};
}

FittedStack fit_stack(const std::vector<std::vector<std::vector<float>>>& log_probs, const std::vector<int>& labels,
                      size_t members, const std::vector<float>& level_weight, const EnsembleConfig& ensemble, int seed) {
  const size_t levels = level_weight.size();
  FittedStack stack;
  stack.weights.assign(members, 1.0f / static_cast<float>(std::max<size_t>(1, members)));
  stack.bias.assign(levels, 0.0f);
  if (ensemble.fit != "none" && !labels.empty()) std::tie(stack.weights, stack.bias) = fit_combination(log_probs, labels, members, level_weight);
  stack.decision = choose_decision_offsets(stack_logits(stack, log_probs), labels, levels, ensemble.f1_offsets, seed);
  for (size_t l = 0; l < levels; ++l) stack.bias[l] += stack.decision.offsets[l];
  return stack;
}

std::vector<std::vector<float>> stack_logits(const FittedStack& stack, const std::vector<std::vector<std::vector<float>>>& log_probs) {
  std::vector<std::vector<float>> out;  // [example][level]
  for (const auto& row : log_probs) {
    auto& z = out.emplace_back(stack.bias);
    for (size_t m = 0; m < stack.weights.size(); ++m)
      for (size_t l = 0; l < z.size(); ++l) z[l] += stack.weights[m] * row[m][l];
  }
  return out;
}

std::vector<double> held_out_serve_scores(const std::vector<std::vector<std::vector<float>>>& log_probs,
                                          const std::vector<int>& labels, const std::vector<float>& level_weight,
                                          const EnsembleConfig& ensemble, int seed) {
  const size_t members = log_probs.empty() ? 0 : log_probs[0].size();
  const size_t levels = level_weight.size();
  const std::vector<float> no_offsets(levels, 0.0f);
  std::vector<double> scores(1 + members, 0.0);
  if (log_probs.empty()) return scores;
  // Every example's stack logits from the stack fitted on the other folds.
  const auto folds = seeded_folds(log_probs.size(), kServeFolds, seed);
  std::vector<std::vector<float>> out_of_fold(log_probs.size());
  for (size_t f = 0; f < folds.size(); ++f) {
    const auto& held = folds[f];
    std::vector<size_t> fit_on;  // the other folds
    for (size_t g = 0; g < folds.size(); ++g)
      if (g != f) fit_on.insert(fit_on.end(), folds[g].begin(), folds[g].end());
    const auto stack = fit_stack(pick(log_probs, fit_on), pick(labels, fit_on), members, level_weight, ensemble, seed);
    const auto logits = stack_logits(stack, pick(log_probs, held));
    for (size_t k = 0; k < held.size(); ++k) out_of_fold[held[k]] = logits[k];
  }
  scores[0] = macro_f1_with_offsets(out_of_fold, labels, no_offsets);
  for (size_t m = 0; m < members; ++m) {
    std::vector<std::vector<float>> alone;
    for (const auto& row : log_probs) alone.push_back(row[m]);
    scores[1 + m] = macro_f1_with_offsets(alone, labels, no_offsets);
  }
  return scores;
}

TrainResult train_ensemble(const TrainConfig& config, const TrainOptions& options) {
  const Run run = start_run(config, options);
  const fs::path& out = run.out;
  fs::create_directories(out / models::kMembersDir);
  const int seed = run.seed;

  // 1. The members, one after the other, the cheap n-gram members first. A budget covers the
  // whole ensemble: the encoder gets what the others left. An encoder stopped by the budget still
  // has its best weights (and a checkpoint): the ensemble is fitted with them and marked
  // unfinished, and the same command continues it.
  const auto copies = member_copies(config);
  const bool has_encoder = std::any_of(copies.begin(), copies.end(), [](const MemberCopy& c) { return c.member == "encoder"; });
  bool finished = true;
  int64_t steps = 0;
  auto copy_options = [&](const MemberCopy& copy) {
    TrainOptions member_options = options;
    member_options.out_dir = out / models::kMembersDir / copy.dir_name;
    // A replica differs from the first copy by its seed only (initialisation and shuffling).
    if (copy.replica > 0) member_options.seed = seed + 1000 * copy.replica;
    return member_options;
  };
  // Ctrl-C / SIGTERM inside a member: nothing is fitted; the same command continues.
  auto stopped = [&] {
    TrainResult partial;
    partial.interrupted = true;
    partial.steps = steps;
    return partial;
  };
  std::vector<const MemberCopy*> to_train;
  for (const auto& copy : copies) {
    const fs::path dir = out / models::kMembersDir / copy.dir_name;
    if (keep_member(dir, member_config(config, copy.member), copy_options(copy).seed.value_or(config.optim.seed))) {
      spdlog::info("ensemble member '{}' is trained already ({})", copy.dir_name, dir.string());
    } else {
      to_train.push_back(&copy);
    }
  }
  // The cheap n-gram members first: with a budget, the encoder gets what they leave.
  std::stable_partition(to_train.begin(), to_train.end(), [](const MemberCopy* copy) { return copy->member != "encoder"; });
  // Without a budget the n-gram copies (single-threaded SGD each) train side by side, one per
  // core; each is seeded on its own, so the result is the same as one after the other.
  if (!options.budget) {
    std::vector<const MemberCopy*> ngrams;
    for (const auto* copy : to_train) if (copy->member != "encoder") ngrams.push_back(copy);
    std::vector<TrainResult> results(ngrams.size());
    run_in_parallel(ngrams.size(), [&](size_t k) {
      spdlog::info("training ensemble member '{}'", ngrams[k]->dir_name);
      results[k] = train_model(member_config(config, ngrams[k]->member), copy_options(*ngrams[k]));
    });
    for (const auto& result : results) {
      steps += result.steps;
      finished = finished && result.finished;
      if (result.interrupted) return stopped();
    }
    std::erase_if(to_train, [](const MemberCopy* copy) { return copy->member != "encoder"; });
  }
  // One after the other: the encoder, and with a budget every copy (each takes its share of what is left).
  for (size_t position = 0; position < to_train.size(); ++position) {
    const auto& copy = *to_train[position];
    spdlog::info("training ensemble member '{}'", copy.dir_name);
    TrainOptions member_options = copy_options(copy);
    if (options.budget) {
      // What is left, shared: an n-gram member takes a quarter of it when an encoder follows
      // (the encoder is the one that uses every minute), else an even share with the members after it.
      const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - run.started);
      const auto left = std::max(std::chrono::milliseconds(0), *options.budget - spent);
      const double share = copy.member == "encoder" ? 1.0
                           : has_encoder            ? 0.25
                                                    : 1.0 / static_cast<double>(to_train.size() - position);
      member_options.budget = std::max(std::chrono::milliseconds(5000),
                                       std::chrono::milliseconds(static_cast<int64_t>(left.count() * share)));
    }
    auto result = train_model(member_config(config, copy.member), member_options);
    steps += result.steps;
    if (result.interrupted) return stopped();
    finished = finished && result.finished;
  }

  // 2. The combination, fitted on the validation data's member scores.
  auto data = load_training_data(config);
  const auto& policy = data.policy;
  std::vector<std::string> texts;
  for (const auto& e : data.valid.examples) texts.push_back(e.text);
  std::vector<std::vector<models::CategoryLogits>> member_lp;  // [copy][example][category][level]
  for (const auto& copy : copies) {
    auto model = models::load_model(out / models::kMembersDir / copy.dir_name);
    auto scored = model->score(texts);
    for (auto& s : scored) s = models::log_softmax(s);
    member_lp.push_back(std::move(scored));
  }
  // A member's replicas share one fitted weight: the fit sees their mean log-probability, and each
  // copy serves with 1/replicas of the weight, which is the same sum.
  std::vector<std::vector<size_t>> groups;  // [member] -> its copies
  for (size_t k = 0; k < copies.size(); ++k) {
    if (copies[k].replica == 0) groups.emplace_back();
    groups.back().push_back(k);
  }
  const auto cw = level_weights(data.train.examples, policy, config.optim.class_weighting == "balanced");
  models::EnsembleSpec spec;
  for (const auto& copy : copies) spec.members.push_back(copy.dir_name);
  nlohmann::json f1_offsets_report = nlohmann::json::object();
  nlohmann::json served_report = nlohmann::json::object();  // [category] -> "stack" or the member served alone
  nlohmann::json serve_scores_report = nlohmann::json::object();  // [category][candidate] -> held-out macro-F1 (serve = "best")
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    const size_t levels = policy.categories[c].levels.size();
    std::vector<std::vector<std::vector<float>>> lp;  // [example][member][level]
    std::vector<int> labels;
    for (size_t i = 0; i < data.valid.examples.size(); ++i) {
      const int y = data.valid.examples[i].labels[c];
      if (y < 0) continue;
      labels.push_back(y);
      auto& row = lp.emplace_back();
      for (const auto& group : groups) {
        std::vector<float> mean(levels, 0.0f);
        for (size_t k : group)
          for (size_t l = 0; l < levels; ++l) mean[l] += member_lp[k][i][c][l] / static_cast<float>(group.size());
        row.push_back(std::move(mean));
      }
    }
    auto stack = fit_stack(lp, labels, groups.size(), cw[c], config.ensemble, seed + static_cast<int>(c));
    f1_offsets_report[policy.categories[c].name] = {{"mode", config.ensemble.f1_offsets}, {"applied", stack.decision.applied},
                                                   {"checked_gain_points", stack.decision.checked_gain},
                                                   {"offsets", stack.decision.offsets}};
    auto& group_weights = stack.weights;
    auto& bias = stack.bias;
    // serve = "best": one member alone (its copies' mean log-probability, no bias) when its
    // validation macro-F1 beats the stack's out-of-fold one.
    std::string served = "stack";
    if (config.ensemble.serve == "best" && !labels.empty()) {
      const auto scores = held_out_serve_scores(lp, labels, cw[c], config.ensemble, seed + static_cast<int>(c));
      auto& row = serve_scores_report[policy.categories[c].name];
      row["stack"] = 100.0 * scores[0];
      for (size_t g = 0; g < groups.size(); ++g) row[copies[groups[g][0]].member] = 100.0 * scores[1 + g];
      // The first of the highest: the stack on a tie.
      if (const auto best = static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin()); best > 0) {
        std::fill(group_weights.begin(), group_weights.end(), 0.0f);
        group_weights[best - 1] = 1.0f;
        std::fill(bias.begin(), bias.end(), 0.0f);
        served = copies[groups[best - 1][0]].member;
      }
    }
    served_report[policy.categories[c].name] = served;
    auto& weights = spec.weights.emplace_back();
    for (size_t g = 0; g < groups.size(); ++g)
      for (size_t k = 0; k < groups[g].size(); ++k) weights.push_back(group_weights[g] / static_cast<float>(groups[g].size()));
    spec.bias.push_back(std::move(bias));
    spdlog::info("ensemble weights for {}: {}", policy.categories[c].name, nlohmann::json(group_weights).dump());
  }
  nlohmann::json cascade_report = nullptr;
  if (config.ensemble.cascade) {
    cascade_report = fit_cascade(spec, member_lp, config.ensemble.cascade_recall, models::deciding_categories(policy));
    spdlog::info("cascade: gate '{}' threshold {:.4f} lets {:.1f}% of the validation messages skip the other members",
                 spec.members[spec.gate], spec.gate_threshold, 100.0 * cascade_report["skipped_fraction"].get<double>());
  }
  core::write_json_file(out / models::kConfigFile, models::ensemble_spec_to_json(spec));
  policy.save(out / models::kPolicyFile);

  // 3. The report, through the same path as every model kind.
  nlohmann::json member_valid = nlohmann::json::object();
  for (const auto& member : spec.members) {
    auto training = core::read_json_file(out / models::kMembersDir / member / models::kTrainingFile);
    member_valid[member] = training.value("best_valid", 0.0);
  }
  RunEnd end{finished, false, steps,
             {{"kind", "ensemble"}, {"members", spec.members}, {"members_best_valid", member_valid},
              {"weights", spec.weights}, {"bias", spec.bias}, {"f1_offsets", f1_offsets_report},
              {"served", served_report}, {"serve_held_out_macro_f1", serve_scores_report},
              {"cascade", cascade_report}}};
  return finish_run(config, data, run, std::move(end));
}

}  // namespace guardian::train

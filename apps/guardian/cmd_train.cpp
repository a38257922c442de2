// guardian train: a recipe to a model directory, over one or more seeds.
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/duration.h"
#include "core/error.h"
#include "core/json_file.h"
#include "models/model_dir.h"
#include "train/stop_signal.h"
#include "train/trainer.h"

namespace guardian::app {

namespace {

struct TrainArgs {
  std::string config;
  std::string out;
  int seeds = 1;
  std::string budget;
  int64_t stop_after_steps = 0;
  std::optional<int> seed;  // instead of the recipe's [train] seed
  bool no_eval = false;     // leave the recipe's eval specs unscored
  bool quiet = false;
};

// Every numeric leaf of the seeds' metrics, as mean and standard deviation over seeds.
nlohmann::json summarise(const std::vector<nlohmann::json>& runs) {
  nlohmann::json summary = nlohmann::json::object();
  // Flatten each run, then gather the same keys.
  auto flatten = [](const nlohmann::json& run) {
    std::map<std::string, double> flat;
    std::function<void(const std::string&, const nlohmann::json&)> go = [&](const std::string& path, const nlohmann::json& node) {
      if (node.is_object()) {
        for (auto it = node.begin(); it != node.end(); ++it) go(path.empty() ? it.key() : path + "." + it.key(), it.value());
      } else if (node.is_array() && !node.empty() && node.front().is_object() && node.front().contains("name")) {
        for (const auto& item : node) go(path + "." + item["name"].get<std::string>(), item);
      } else if (node.is_number() && !path.ends_with(".support") && !path.ends_with(".examples")) {
        flat[path] = node.get<double>();
      }
    };
    go("", run);
    return flat;
  };
  std::vector<std::map<std::string, double>> flats;
  for (const auto& run : runs) flats.push_back(flatten(run));
  for (const auto& [key, _] : flats.front()) {
    double sum = 0.0, sq = 0.0;
    int n = 0;
    for (const auto& flat : flats) {
      auto it = flat.find(key);
      if (it == flat.end() || std::isnan(it->second)) continue;
      sum += it->second;
      sq += it->second * it->second;
      ++n;
    }
    if (n == 0) continue;
    const double mean = sum / n;
    const double var = n > 1 ? std::max(0.0, (sq - n * mean * mean) / (n - 1)) : 0.0;
    summary[key] = {{"mean", mean}, {"std", std::sqrt(var)}, {"runs", n}};
  }
  return summary;
}

void run_train(const TrainArgs& args) {
  auto config = train::TrainConfig::load(args.config);
  if (args.seed) config.optim.seed = *args.seed;
  // A check that decides on validation data must not score the scored splits on the way.
  if (args.no_eval) config.data.eval.clear();
  train::TrainOptions options;
  options.quiet = args.quiet;
  if (!args.budget.empty()) options.budget = core::parse_duration(args.budget);
  if (args.stop_after_steps > 0) options.stop_after_steps = args.stop_after_steps;
  if (args.seeds < 1) throw ConfigError("--seeds must be at least 1");
  train::install_stop_handlers();
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path("models") / config.name : std::filesystem::path(args.out);
  std::vector<nlohmann::json> runs;
  for (int s = 0; s < args.seeds; ++s) {
    options.out_dir = args.seeds == 1 ? out : out / ("seed-" + std::to_string(s + 1));
    options.seed = config.optim.seed + s;
    auto result = train::train_model(config, options);
    std::cerr << "guardian: " << options.out_dir.string() << ": " << result.steps << " steps, best validation macro-F1 "
              << result.best_valid << (result.finished ? "" : " (not finished: run again to continue)") << "\n";
    nlohmann::json line = {{"model", options.out_dir.string()}, {"seed", *options.seed}, {"finished", result.finished},
                           {"steps", result.steps}, {"valid_macro_f1", result.best_valid}};
    std::cout << line.dump() << std::endl;
    runs.push_back(result.metrics);
    if (result.interrupted) throw Error("training interrupted; the checkpoint in " + options.out_dir.string() +
                                        " resumes it");
  }
  if (args.seeds > 1) {
    auto summary = summarise(runs);
    core::write_json_file(out / "seeds_summary.json", summary);
    std::cout << nlohmann::json({{"seeds", args.seeds}, {"summary", out.string() + "/seeds_summary.json"},
                                 {"valid_aggregate", summary.value("valid.all.aggregate", nlohmann::json())}})
                     .dump()
              << std::endl;
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train a moderation model from a recipe (TOML)");
  cmd->add_option("-c,--config", args->config, "Recipe file: policy, data specs, model size, schedule")->required();
  cmd->add_option("-o,--out", args->out, "Model directory to write (default: models/<recipe name>)");
  cmd->add_option("--seeds", args->seeds, "Train N times with seeds seed..seed+N-1; report mean and std")->check(CLI::PositiveNumber);
  cmd->add_option("--budget", args->budget, "Wall-clock for training, e.g. 90s, 12m, 1h (resumable)");
  cmd->add_option("--stop-after-steps", args->stop_after_steps,
                  "Stop after this many optimiser steps in total, saving a checkpoint (resume by running again)");
  cmd->add_option("--seed", args->seed, "Seed for initialisation and shuffling, instead of the recipe's [train] seed");
  cmd->add_flag("--no-eval", args->no_eval, "Do not score the recipe's eval specs after training");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress bar");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace guardian::app

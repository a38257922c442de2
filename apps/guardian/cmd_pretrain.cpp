// guardian pretrain: masked-LM pretraining of a recipe's encoder on unlabelled text, into the
// directory its [model] pretrained names (later `train` runs of the recipe start from it), or, with
// [pretrain] objective = "causal", a decoder's next-token pretraining in the Hugging Face layout; with
// --bag NAME, skip-gram pretraining of the [NAME] embedding bag's rows into its `pretrained`.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/duration.h"
#include "core/error.h"
#include "train/bag_pretrainer.h"
#include "train/pretrainer.h"
#include "train/stop_signal.h"

namespace guardian::app {

namespace {

struct PretrainArgs {
  std::string config;
  std::string out;
  std::string budget;
  std::string bag;
  int64_t stop_after_steps = 0;
  bool quiet = false;
};

void run_bag_pretrain(const PretrainArgs& args, const train::TrainConfig& config) {
  train::BagPretrainOptions options;
  options.out_dir = args.out;
  options.quiet = args.quiet;
  if (!args.budget.empty()) options.budget = core::parse_duration(args.budget);
  train::install_stop_handlers();
  auto result = train::pretrain_bag(config, args.bag, options);
  std::cout << nlohmann::json({{"pretrained", result.dir.string()}, {"finished", result.finished},
                               {"tokens", result.tokens}, {"words", result.words}, {"targets", result.targets},
                               {"loss", result.loss}, {"tokens_per_second", result.tokens_per_second},
                               {"seconds", result.seconds}})
                   .dump()
            << std::endl;
  if (result.interrupted) throw Error("bag pretraining interrupted; the rows so far are in " + result.dir.string());
}

void run_pretrain(const PretrainArgs& args) {
  auto config = train::TrainConfig::load(args.config);
  if (!args.bag.empty()) {
    if (args.stop_after_steps > 0) throw ConfigError("--stop-after-steps is for the encoder's pretraining, not --bag");
    run_bag_pretrain(args, config);
    return;
  }
  train::PretrainOptions options;
  options.out_dir = args.out;
  options.quiet = args.quiet;
  if (!args.budget.empty()) options.budget = core::parse_duration(args.budget);
  if (args.stop_after_steps > 0) options.stop_after_steps = args.stop_after_steps;
  train::install_stop_handlers();
  auto result = train::pretrain(config, options);
  nlohmann::json line = {{"pretrained", result.dir.string()}, {"finished", result.finished},
                         {"steps", result.steps}, {"train_loss", result.train_loss},
                         {"heldout_loss", result.heldout_loss}, {"tokens_per_second", result.tokens_per_second}};
  if (config.pretrain.objective == "causal") {
    line["tokens"] = result.tokens;
    line["heldout_perplexity"] = result.heldout_perplexity;
  }
  std::cout << line.dump() << std::endl;
  if (result.interrupted) throw Error("pretraining interrupted; the checkpoint in " + result.dir.string() + " resumes it");
}

}  // namespace

void add_pretrain_command(CLI::App& app) {
  auto args = std::make_shared<PretrainArgs>();
  auto* cmd = app.add_subcommand("pretrain", "Pretraining on unlabelled text: a recipe's encoder (masked LM) or decoder (causal)");
  cmd->add_option("-c,--config", args->config, "Recipe file: [pretrain] text, [model], [tokenizer]")->required();
  cmd->add_option("-o,--out", args->out, "Directory to write (default: the recipe's [model] pretrained)");
  cmd->add_option("--budget", args->budget, "Wall-clock for pretraining, e.g. 10m (resumable)");
  cmd->add_option("--bag", args->bag,
                  "Pretrain the rows of this n-gram table's embedding bag instead (e.g. ngram_bag), "
                  "with [bag_pretrain]; they go to its `pretrained` directory");
  cmd->add_option("--stop-after-steps", args->stop_after_steps,
                  "Stop after this many steps in total, saving a checkpoint (resume by running again)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress bar");
  cmd->callback([args] { run_pretrain(*args); });
}

}  // namespace guardian::app

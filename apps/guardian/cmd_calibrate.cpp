// guardian calibrate: temperatures, offsets and thresholds per category, fitted on validation data
// and written into the model's policy (the thresholds the server uses).
#include <filesystem>
#include <iostream>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/json_file.h"
#include "data/sets.h"
#include "eval/calibration.h"
#include "infer/calibrate.h"
#include "models/model.h"
#include "models/model_dir.h"

namespace guardian::app {

namespace {

struct CalibrateArgs {
  std::string model;
  std::vector<std::string> data;
  std::string recipe;
  std::string target = "precision=0.9";
  bool skip_bad = false;
  bool dry_run = false;
  infer::CalibrateOptions options;
};

void run_calibrate(CalibrateArgs args) {
  args.options.target = eval::Target::parse(args.target);
  auto model = models::load_model(args.model);
  models::configure_threads();
  auto specs = args.data;
  bool skip_bad = args.skip_bad;
  if (!args.recipe.empty()) {
    const auto recipe = data::load_recipe_data(args.recipe);
    specs.insert(specs.end(), recipe.valid.begin(), recipe.valid.end());
    skip_bad = skip_bad || recipe.skip_bad;
  }
  if (specs.empty()) throw ConfigError("calibrate needs validation data: --data card:split or --recipe FILE");
  infer::check_calibrate_options(args.options, model->policy());
  const bool share = args.options.target.metric == eval::Target::kShare;
  const auto set = data::load_sets(specs, model->policy(), core::data_root(), data::Purpose::kValid, skip_bad,
                                   /*unlabelled=*/share);
  if (set.examples.empty()) throw InputError("calibrate: the data (" + specs.front() + "...) holds no messages");
  const auto calibration = infer::calibrate(*model, set.examples, specs, args.options);
  std::cout << calibration.text;
  if (!args.dry_run) {
    const std::filesystem::path dir(args.model);
    calibration.policy.save(dir / models::kPolicyFile);
    core::write_json_file(dir / "calibration.json", calibration.summary);
    std::cout << "wrote " << (dir / models::kPolicyFile).string() << " (policy version " << calibration.policy.version
              << ")\n";
  }
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand("calibrate", "Fit temperatures and offsets and pick per-category thresholds on validation data");
  cmd->add_option("-m,--model", args->model, "Model directory (its policy.toml is updated)")->required();
  cmd->add_option("-d,--data", args->data,
                  "Validation card:split[slice] (repeatable; unlabelled text for a share target); never a scored test split");
  cmd->add_option("--recipe", args->recipe, "Use the validation data (data.valid) of this training recipe");
  cmd->add_option("--target", args->target,
                  "precision=P or recall=R that each category's threshold must reach, or f1 / macro_f1 for the "
                  "threshold with the best F1 of the flagged class / mean F1 of flagged and allowed; or, without "
                  "labels, share=S to flag that share of the data, share to flag the policy's reference share "
                  "(what it flagged of the data it was last fitted on: for traffic whose scores have shifted while "
                  "the harm is as common as before)");
  cmd->add_flag("--skip-bad", args->skip_bad, "Skip malformed rows (counted) instead of failing");
  cmd->add_flag("--dry-run", args->dry_run, "Show the table without writing the policy");
  cmd->add_flag("--keep-temperature", args->options.keep_temperature,
                "Move the thresholds only: keep each category's temperature and offset (for labels that say flagged or "
                "not, without the level a multi-level category would need to fit one)");
  cmd->add_flag("--offset", args->options.offset,
                "Fit a log-odds offset per category with its temperature (policy offset), so that its scores "
                "claim positives as often as the data give them; a model trained with class-balanced weights "
                "claims too many, which a temperature alone cannot correct");
  cmd->add_flag("--per-language", args->options.per_language,
                "Also pick each category's threshold on each language's rows alone (ko, en: by script; at least "
                "30 labelled positives and negatives in it), kept as a log-odds offset (language_offset) so that "
                "the target holds in each language of a bilingual model");
  cmd->add_option("--per-language-for", args->options.per_language_for,
                  "--per-language for these categories only (comma-separated names); the others keep the language "
                  "offsets they have")
      ->delimiter(',');
  cmd->callback([args] { run_calibrate(*args); });
}

}  // namespace guardian::app

#include "train/run.h"

#include "core/json_file.h"
#include "infer/model_report.h"
#include "models/model.h"
#include "models/model_dir.h"

namespace guardian::train {

double selection_score(const nlohmann::json& report_json) {
  double sum = 0.0;
  int n = 0;
  for (const auto& c : report_json.at("all").at("categories")) {
    if (c.value("support", 0) > 0 && c["macro_f1"].is_number()) {
      sum += c["macro_f1"].get<double>();
      ++n;
    }
  }
  return n ? sum / n : 0.0;
}

Run start_run(const TrainConfig& config, const TrainOptions& options) {
  Run run;
  run.seed = options.seed.value_or(config.optim.seed);
  run.out = options.out_dir;
  std::filesystem::create_directories(run.out);
  return run;
}

TrainResult finish_run(const TrainConfig& config, const TrainingData& data, const Run& run, RunEnd end) {
  auto model = models::load_model(run.out);
  TrainResult result;
  result.finished = end.finished;
  result.interrupted = end.interrupted;
  result.steps = end.steps;
  result.metrics["valid"] = infer::validation_report(run.out, *model, data.valid.examples, config.data.valid);
  result.best_valid = selection_score(result.metrics["valid"]);
  for (const auto& spec_text : config.data.eval) {
    auto set = data::load_sets({spec_text}, data.policy, data.data_root, data::Purpose::kEval, config.data.skip_bad);
    result.metrics["eval"][spec_text] = infer::report_on(*model, set.examples);
  }
  nlohmann::json training = std::move(end.fields);
  training.update({
      {"name", config.name}, {"seed", run.seed}, {"finished", result.finished},
      {"best_valid", result.best_valid}, {"metrics", result.metrics},
      {"train_data", data.train.provenance}, {"valid_data", data.valid.provenance},
      {"research_only", config.data.research_only}, {"not_deciding", data.not_deciding}, {"untrained", data.untrained},
      {"train_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - run.started).count()},
  });
  core::write_json_file(run.out / models::kTrainingFile, training);
  return result;
}

}  // namespace guardian::train

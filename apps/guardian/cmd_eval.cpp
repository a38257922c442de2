// guardian eval: score a model on a card:split and report per category, decision, per language.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/fs.h"
#include "eval/evaluator.h"
#include "models/model.h"
#include "serve/moderation.h"
#include "train/data_sets.h"

namespace guardian::app {

namespace {

struct EvalArgs {
  std::string model;
  std::vector<std::string> data;
  bool json = false;
  std::string errors;
  std::string predictions;
  bool skip_bad = false;
  std::string policy;
};

constexpr size_t kChunk = 512;  // messages scored at a time

size_t argmax_level(const serve::ModerationResult& r, size_t category) {
  const auto& levels = r.categories[category].levels;
  return static_cast<size_t>(std::max_element(levels.begin(), levels.end()) - levels.begin());
}

// True when the model got this row wrong: a known category's level, or the decision.
bool misclassified(const data::Example& e, const serve::ModerationResult& r, const policy::Policy& policy) {
  bool any_known = false, toxic = false;
  for (size_t c = 0; c < e.labels.size(); ++c) {
    if (e.labels[c] < 0) continue;
    if (argmax_level(r, c) != static_cast<size_t>(e.labels[c])) return true;
    if (policy.categories[c].decides) {
      any_known = true;
      toxic = toxic || e.labels[c] >= 1;
    }
  }
  return any_known && toxic != r.decision.flagged;
}

void run_eval(const EvalArgs& args) {
  auto model = models::load_model(args.model);
  models::configure_threads();
  if (!args.policy.empty()) model->set_policy(train::resolve_policy(args.policy));
  const auto& policy = model->policy();
  std::unique_ptr<core::AtomicFile> errors;
  if (!args.errors.empty()) errors = std::make_unique<core::AtomicFile>(args.errors);
  std::unique_ptr<core::AtomicFile> predictions;
  if (!args.predictions.empty()) predictions = std::make_unique<core::AtomicFile>(args.predictions);
  nlohmann::json all_reports = nlohmann::json::object();
  for (const auto& spec : args.data) {
    auto set = train::load_sets({spec}, policy, core::data_root(), train::Purpose::kEval, args.skip_bad);
    eval::Evaluator evaluator(policy);
    for (size_t begin = 0; begin < set.examples.size(); begin += kChunk) {
      const size_t end = std::min(set.examples.size(), begin + kChunk);
      std::vector<std::string> texts;
      for (size_t i = begin; i < end; ++i) texts.push_back(set.examples[i].text);
      auto logits = model->score(texts);
      for (size_t i = begin; i < end; ++i) {
        const auto& example = set.examples[i];
        auto result = serve::interpret(logits[i - begin], policy, example.text);
        std::vector<std::vector<double>> probs;
        for (const auto& c : result.categories) probs.push_back(c.levels);
        evaluator.add(example, probs);
        const bool wrong = errors && misclassified(example, result, policy);  // only --errors asks
        if (!predictions && !wrong) continue;
        // The row, the scores, the argmax level per category (what macro-F1 scores) and the truth.
        nlohmann::json line = serve::to_json(result, policy);
        line["id"] = example.id;
        line["text"] = example.text;
        line["language"] = data::language_code(example.language);
        nlohmann::json predicted = nlohmann::json::object(), truth = nlohmann::json::object();
        for (size_t c = 0; c < example.labels.size(); ++c) {
          const auto& category = policy.categories[c];
          predicted[category.name] = category.levels[argmax_level(result, c)];
          if (example.labels[c] >= 0) truth[category.name] = category.levels[example.labels[c]];
        }
        line["predicted"] = predicted;
        line["truth"] = truth;
        const std::string text = line.dump() + "\n";
        if (predictions) predictions->write(text);
        if (wrong) errors->write(text);
      }
    }
    auto report = evaluator.report();
    if (args.json) {
      auto j = eval::to_json(report);
      j["data"] = spec;
      j["model"] = model->id();
      std::cout << j.dump() << std::endl;
    } else {
      std::cout << "== " << spec << " (" << set.examples.size() << " messages) ==\n" << eval::to_text(report) << "\n";
    }
  }
  if (errors) errors->commit();
  if (predictions) predictions->commit();
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a model on labelled data (card:split)");
  cmd->add_option("-m,--model", args->model, "Model directory")->required();
  cmd->add_option("-d,--data", args->data, "card:split[slice], e.g. beep:dev or tweeteval-offensive:test (repeatable)")->required();
  cmd->add_flag("--json", args->json, "One JSON object per data set instead of tables");
  cmd->add_option("--errors", args->errors, "Write misclassified messages with their scores (JSON Lines)");
  cmd->add_option("--predictions", args->predictions,
                  "Write every message with its scores, argmax level per category and truth (JSON Lines, "
                  "in the data's order: for paired comparisons with other systems)");
  cmd->add_flag("--skip-bad", args->skip_bad, "Skip malformed rows (counted) instead of failing");
  cmd->add_option("--policy", args->policy, "Score under another policy with the same categories (thresholds)");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace guardian::app

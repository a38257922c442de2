// guardian eval: score a model on a card:split and report per category, decision, per language; with
// --perplexity, a decoder's token perplexity on the texts of card:splits or text files.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/fs.h"
#include "data/perturb.h"
#include "data/sets.h"
#include "eval/evaluator.h"
#include "infer/explain.h"
#include "infer/moderation.h"
#include "infer/perplexity.h"
#include "infer/score.h"
#include "models/decoders/decoder_model.h"
#include "models/model.h"
#include "models/model_dir.h"
#include "text/hf_tokenizer.h"
#include "text/sentencepiece_tokenizer.h"
#include "policy/policy.h"

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
  int explain = 0;  // words per category in the lines written; with it, the words behind the flags
  std::vector<std::string> perturb;  // each data set again with these spelling games played
  bool perplexity = false;           // a decoder's token perplexity instead of moderation figures
};

size_t argmax_level(const infer::ModerationResult& r, size_t category) {
  const auto& levels = r.categories[category].levels;
  return static_cast<size_t>(std::max_element(levels.begin(), levels.end()) - levels.begin());
}

// Whether the row is toxic by its deciding categories' labels; none for a row with no known one.
std::optional<bool> toxic_truth(const data::Example& e, const policy::Policy& policy) {
  std::optional<bool> toxic;
  for (size_t c = 0; c < e.labels.size(); ++c) {
    if (e.labels[c] < 0 || !policy.categories[c].decides) continue;
    toxic = toxic.value_or(false) || e.labels[c] >= 1;
  }
  return toxic;
}

// The words behind the flags (FlagWords) as a table: a word behind many false flags is a cue the
// model learned that this data does not share.
std::string flag_words_text(const infer::FlagWords& words) {
  std::string out = "Words behind the flags (per flagged message, the word that raised its deciding category most):\n";
  char line[160];
  std::snprintf(line, sizeof line, "  %-24s %8s %12s %10s\n", "word", "flags", "false flags", "precision");
  out += line;
  for (const auto& e : words.top(infer::kFlagWordsListed)) {
    std::snprintf(line, sizeof line, "  %-24s %8lld %12lld %10.3f\n", e.word.c_str(), static_cast<long long>(e.flags),
                  static_cast<long long>(e.false_flags),
                  static_cast<double>(e.flags - e.false_flags) / static_cast<double>(e.flags));
    out += line;
  }
  return out;
}

// True when the model got this row wrong: a known category's level, or the decision.
bool misclassified(const data::Example& e, const infer::ModerationResult& r, const policy::Policy& policy) {
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

// One data set (or a perturbed copy of it, game set): its report on stdout, its rows to --errors
// and --predictions (a perturbed row carries "perturbed"); returns the report.
eval::Report evaluate_set(const EvalArgs& args, models::Model& model, const std::string& spec,
                          const std::vector<data::Example>& examples, std::optional<data::Perturbation> game,
                          core::AtomicFile* errors, core::AtomicFile* predictions) {
  const auto& policy = model.policy();
  eval::Evaluator evaluator(policy);
  infer::FlagWords flag_words;
  infer::score_in_chunks(model, examples, [&](size_t begin, std::vector<models::CategoryLogits>& logits) {
    const size_t end = begin + logits.size();
    std::vector<infer::ModerationResult> results;
    for (size_t i = begin; i < end; ++i) results.push_back(infer::interpret(logits[i - begin], policy, examples[i].text));
    // With --explain, the rows that need one: each flagged row (for the words behind the flags) and
    // each row written.
    std::vector<std::vector<infer::CategoryExplanation>> explanations(end - begin);
    if (args.explain > 0) {
      std::vector<size_t> rows;
      std::vector<std::string> explained;
      for (size_t i = begin; i < end; ++i) {
        const auto& result = results[i - begin];
        if (result.decision.flagged || predictions || (errors && misclassified(examples[i], result, policy))) {
          rows.push_back(i - begin);
          explained.push_back(examples[i].text);
        }
      }
      auto found = infer::explain(model, explained, static_cast<size_t>(args.explain));
      for (size_t k = 0; k < rows.size(); ++k) explanations[rows[k]] = std::move(found[k]);
    }
    for (size_t i = begin; i < end; ++i) {
      const auto& example = examples[i];
      const auto& result = results[i - begin];
      const auto& explanation = explanations[i - begin];
      std::vector<std::vector<double>> probs;
      for (const auto& c : result.categories) probs.push_back(c.levels);
      evaluator.add(example, probs);
      if (args.explain > 0 && result.decision.flagged) {
        if (const auto toxic = toxic_truth(example, policy)) {
          flag_words.add(infer::strongest_push(explanation, result.decision.category), *toxic);
        }
      }
      const bool wrong = errors && misclassified(example, result, policy);  // only --errors asks
      if (!predictions && !wrong) continue;
      // The row, the scores, the argmax level per category (what macro-F1 scores) and the truth.
      nlohmann::json line = infer::to_json(result, policy);
      if (args.explain > 0) line["explanation"] = infer::to_json(explanation);
      line["id"] = example.id;
      line["text"] = example.text;
      if (game) line["perturbed"] = data::perturbation_name(*game);
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
  });
  auto report = evaluator.report();
  if (args.json) {
    auto j = eval::to_json(report);
    j["data"] = spec;
    if (game) j["perturbed"] = data::perturbation_name(*game);
    j["model"] = model.id();
    if (args.explain > 0) j["flag_words"] = flag_words.to_json(infer::kFlagWordsListed, /*labelled=*/true);
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << "== " << spec << (game ? ", perturbed: " + data::perturbation_name(*game) : "") << " ("
              << examples.size() << " messages) ==\n" << eval::to_text(report) << "\n";
    if (args.explain > 0) std::cout << flag_words_text(flag_words) << "\n";
  }
  return report;
}

// After a data set's games, in the text report: the flag-or-allow decision under each game beside
// the unperturbed set's, the figures a team reads first (what the filter still catches).
std::string robustness_text(const std::string& spec, const eval::Report& clean,
                            const std::vector<std::pair<data::Perturbation, eval::Report>>& games) {
  std::string out = "== " + spec + ": the decision under each spelling game ==\n";
  char row[160];
  std::snprintf(row, sizeof row, "%-10s %8s %10s %8s %8s %10s\n", "game", "flagged", "precision", "recall", "F1",
                "F1 change");
  out += row;
  auto add = [&](const std::string& name, const eval::DecisionReport& d, const std::string& change) {
    std::snprintf(row, sizeof row, "%-10s %7.1f%% %10.2f %8.2f %8.2f %10s\n", name.c_str(), 100 * d.flagged_share,
                  100 * d.precision, 100 * d.recall, 100 * d.f1, change.c_str());
    out += row;
  };
  add("none", clean.all.decision, "");
  for (const auto& [game, report] : games) {
    char change[32];
    std::snprintf(change, sizeof change, "%+.2f", 100 * (report.all.decision.f1 - clean.all.decision.f1));
    add(data::perturbation_name(game), report.all.decision, change);
  }
  return out;
}

// A text file (one text per line, blank lines skipped) or a card:split spec.
std::vector<std::string> perplexity_texts(const std::string& data) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(data, ec)) {
    return data::load_texts({data}, core::data_root(), std::numeric_limits<size_t>::max(), data::Purpose::kEval);
  }
  std::ifstream in(data);
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) texts.push_back(line);
  }
  return texts;
}

// One JSON line per data set: texts, predicted tokens, mean NLL and perplexity (infer/perplexity.h
// states the convention). The model directory's tokenizer.model is used, else its tokenizer.json.
void run_perplexity(const EvalArgs& args) {
  const std::filesystem::path dir = args.model;
  const auto model = models::decoders::load_decoder(dir);
  models::configure_threads();
  std::unique_ptr<text::Tokenizer> tokenizer;
  if (std::filesystem::exists(dir / models::kTokenizerFile)) {
    tokenizer = text::SentencePieceTokenizer::load(dir / models::kTokenizerFile);
  } else if (std::filesystem::exists(dir / "tokenizer.json")) {
    tokenizer = text::HfTokenizer::load(dir / "tokenizer.json");
  } else {
    throw InputError(dir.string() + ": no tokenizer.model or tokenizer.json to read the texts with");
  }
  const auto specials = tokenizer->special_tokens();
  if (specials.bos < 0 || specials.eos < 0) {
    throw InputError(dir.string() + ": the tokenizer has no BOS or EOS token; perplexity adds both to each text");
  }
  for (const auto& spec : args.data) {
    std::vector<std::vector<int>> ids;
    for (const auto& t : perplexity_texts(spec)) ids.push_back(tokenizer->encode(t, /*add_special_tokens=*/false).ids);
    const auto p = infer::decoder_perplexity(*model, ids, specials.bos, specials.eos,
                                             specials.pad >= 0 ? specials.pad : specials.eos);
    std::cout << nlohmann::json({{"model", args.model}, {"data", spec}, {"texts", p.texts}, {"tokens", p.tokens},
                                 {"mean_nll", p.mean_nll()}, {"perplexity", p.perplexity()},
                                 {"convention", "<s> text </s>, every token after <s> predicted"}})
                     .dump()
              << std::endl;
  }
}

void run_eval(const EvalArgs& args) {
  if (args.perplexity) {
    if (!args.perturb.empty() || args.explain > 0 || !args.errors.empty() || !args.predictions.empty()) {
      throw InputError("eval --perplexity takes --model and --data only");
    }
    run_perplexity(args);
    return;
  }
  std::vector<data::Perturbation> games;
  for (const auto& name : args.perturb) games.push_back(data::parse_perturbation(name));
  auto model = models::load_model(args.model);
  models::configure_threads();
  if (!args.policy.empty()) model->set_policy(policy::resolve_policy(args.policy));
  const auto& policy = model->policy();
  std::unique_ptr<core::AtomicFile> errors;
  if (!args.errors.empty()) errors = std::make_unique<core::AtomicFile>(args.errors);
  std::unique_ptr<core::AtomicFile> predictions;
  if (!args.predictions.empty()) predictions = std::make_unique<core::AtomicFile>(args.predictions);
  for (const auto& spec : args.data) {
    const auto set = data::load_sets({spec}, policy, core::data_root(), data::Purpose::kEval, args.skip_bad);
    const auto clean = evaluate_set(args, *model, spec, set.examples, std::nullopt, errors.get(), predictions.get());
    // The same messages with each game played (labels as they were): what the filter still catches.
    std::vector<std::pair<data::Perturbation, eval::Report>> played;
    for (const auto game : games) {
      played.emplace_back(game, evaluate_set(args, *model, spec, data::perturbed(set.examples, game), game, errors.get(),
                                             predictions.get()));
    }
    if (!played.empty() && !args.json) std::cout << robustness_text(spec, clean, played) << "\n";
  }
  if (errors) errors->commit();
  if (predictions) predictions->commit();
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a model on labelled data (card:split), or a decoder's perplexity");
  cmd->add_option("-m,--model", args->model, "Model directory")->required();
  cmd->add_option("-d,--data", args->data,
                  "card:split[slice], e.g. beep:dev or tweeteval-offensive:test (repeatable); with --perplexity "
                  "also a text file")->required();
  cmd->add_flag("--json", args->json, "One JSON object per data set instead of tables");
  cmd->add_option("--errors", args->errors, "Write misclassified messages with their scores (JSON Lines)");
  cmd->add_option("--predictions", args->predictions,
                  "Write every message with its scores, argmax level per category and truth (JSON Lines, "
                  "in the data's order: for paired comparisons with other systems)");
  cmd->add_option("--explain", args->explain,
                  "Explain with N words per category (each word left out in turn): the lines of --errors and "
                  "--predictions get \"explanation\", and the report lists the words behind the flags (per "
                  "flagged message, the word that raised its deciding category most) with how many were false")
      ->check(CLI::Range(1, static_cast<int>(infer::kMaxExplanationTop)));
  cmd->add_option("--perturb", args->perturb,
                  "Score each data set again with a spelling game users play to slip past a filter (repeatable): "
                  "split (a space inside words), noise (a symbol inside words), choseong (Hangul syllables as "
                  "initial consonants), leet (look-alike characters); seeded by message id, labels unchanged")
      ->check(CLI::IsMember(data::perturbation_names()));
  cmd->add_flag("--perplexity", args->perplexity,
                 "Token perplexity of a decoder checkpoint on the texts of each --data (card:split or a text "
                 "file, one text per line): <s> text </s>, every token after <s> predicted; JSON lines");
  cmd->add_flag("--skip-bad", args->skip_bad, "Skip malformed rows (counted) instead of failing");
  cmd->add_option("--policy", args->policy, "Score under another policy with the same categories (thresholds)");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace guardian::app

// guardian moderate: texts from the command line, or JSON Lines on stdin, to one JSON line each.
// Streams stdin in small batches, so input of any length runs in constant memory. --stats prints
// the steady-state throughput (after the model is loaded) and the drift check (each category's
// share of these messages at its threshold against the policy's reference share) to stderr as
// one JSON line, with a warning line for a category that has drifted.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/json_lines.h"
#include "infer/drift_check.h"
#include "infer/explain.h"
#include "infer/moderation.h"
#include "models/model.h"
#include "policy/policy.h"
#include "text/normalize.h"

namespace guardian::app {

namespace {

struct ModerateArgs {
  std::string model;
  std::vector<std::string> texts;
  std::string policy;
  int batch = 64;
  bool with_text = false;
  std::string format = "json";
  bool stats = false;
  int explain = 0;  // words listed per category (0: no explanation)
};

// Where the time goes after the model is loaded, for --stats.
struct Throughput {
  using Clock = std::chrono::steady_clock;
  Clock::time_point started = Clock::now();
  double scoring_seconds = 0.0;  // inside infer::moderate (normalise, score, interpret)
  int64_t messages = 0;          // texts scored

  // {"messages", "seconds", "messages_per_second", "scoring_seconds", "scoring_messages_per_second"}:
  // seconds from the first input read to the last line written (JSON in and out included).
  nlohmann::json report() const {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    auto rate = [&](double s) { return s > 0 ? static_cast<double>(messages) / s : 0.0; };
    return {{"messages", messages}, {"seconds", seconds}, {"messages_per_second", rate(seconds)},
            {"scoring_seconds", scoring_seconds}, {"scoring_messages_per_second", rate(scoring_seconds)}};
  }
};

// One readable line: the decision, the deciding score against its threshold, General, the words
// behind the deciding category's score with --explain, the text.
std::string text_line(const infer::ModerationResult& r, const std::string& text,
                      const std::vector<infer::CategoryExplanation>* explanation) {
  char head[160];
  const auto& d = r.decision;
  std::snprintf(head, sizeof head, "%-5s %-10s %.2f %s %.2f", d.flagged ? "FLAG" : "ALLOW", d.category.c_str(), d.score,
                d.flagged ? ">=" : "< ", d.threshold);
  std::string line = head;
  for (const auto& c : r.categories) {
    if (c.holistic) {
      char general[48];
      std::snprintf(general, sizeof general, "  %s %.1f", c.name.c_str(), *c.holistic);
      line += general;
    }
  }
  if (explanation) {
    for (const auto& c : *explanation) {
      if (c.name != d.category) continue;
      line += "  because";
      for (const auto& w : c.words) {
        char word[48];
        std::snprintf(word, sizeof word, " %+.1f ", w.influence);
        line += word + w.word;
      }
    }
  }
  return line + "  | " + text;
}

// One input line's outcome, kept in input order: a text to score, or the error to report.
struct Pending {
  nlohmann::json id;
  std::string text;
  nlohmann::json error;  // null unless the input was bad
};

// Scores the batch's texts and prints every entry, in input order.
void flush(models::Model& model, std::vector<Pending>& pending, const ModerateArgs& args, Throughput& throughput,
           infer::DriftCheck& drift, infer::FlagWords& flag_words) {
  if (pending.empty()) return;
  std::vector<std::string> texts;
  for (const auto& p : pending) {
    if (p.error.is_null()) texts.push_back(p.text);
  }
  const auto started = Throughput::Clock::now();
  auto results = infer::moderate(model, texts);
  std::vector<std::vector<infer::CategoryExplanation>> explanations;
  if (args.explain > 0) explanations = infer::explain(model, texts, static_cast<size_t>(args.explain));
  throughput.scoring_seconds += std::chrono::duration<double>(Throughput::Clock::now() - started).count();
  throughput.messages += static_cast<int64_t>(texts.size());
  size_t next = 0;
  for (const auto& p : pending) {
    if (!p.error.is_null()) {
      std::cout << p.error.dump() << "\n";
      continue;
    }
    const auto* explanation = explanations.empty() ? nullptr : &explanations[next];
    const auto& result = results[next++];
    drift.add(result);
    if (explanation && result.decision.flagged) {
      flag_words.add(infer::strongest_push(*explanation, result.decision.category), std::nullopt);
    }
    if (args.format == "text") {
      std::cout << text_line(result, p.text, explanation) << "\n";
      continue;
    }
    auto line = infer::to_json(result, model.policy());
    line["id"] = p.id;
    if (explanation) line["explanation"] = infer::to_json(*explanation);
    if (args.with_text) line["text"] = p.text;
    std::cout << line.dump() << "\n";
  }
  std::cout.flush();
  pending.clear();
}

int run_moderate(const ModerateArgs& args) {
  auto model = models::load_model(args.model);
  models::configure_threads();
  if (!args.policy.empty()) model->set_policy(policy::resolve_policy(args.policy));
  Throughput throughput;
  infer::DriftCheck drift(model->policy());
  infer::FlagWords flag_words;  // with --explain: the word behind each flag
  std::vector<Pending> pending;
  int failures = 0;
  auto push = [&](Pending p) {
    if (!p.error.is_null()) ++failures;
    pending.push_back(std::move(p));
    if (static_cast<int>(pending.size()) >= args.batch) flush(*model, pending, args, throughput, drift, flag_words);
  };
  auto accept = [&](nlohmann::json id, std::string text, const std::string& where) {
    if (!text::is_valid_utf8(text)) {
      push({id, "", {{"id", id}, {"error", where + ": text is not valid UTF-8"}}});
    } else {
      push({std::move(id), std::move(text), nullptr});
    }
  };
  if (!args.texts.empty()) {
    for (size_t i = 0; i < args.texts.size(); ++i) accept(static_cast<int>(i + 1), args.texts[i], "argument " + std::to_string(i + 1));
  } else {
    std::string line;
    int64_t number = 0;
    while (std::getline(std::cin, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = "stdin:" + std::to_string(number);
      nlohmann::json value;
      try {
        value = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range for a number like 1e999
        push({nullptr, "", {{"line", number}, {"error", where + ": not valid JSON"}}});
        continue;
      }
      if (!value.is_object() || !value.contains("text") || !value["text"].is_string()) {
        push({nullptr, "", {{"line", number}, {"error", where + ": expected {\"id\": ..., \"text\": \"...\"}"}}});
        continue;
      }
      accept(value.contains("id") ? value["id"] : nlohmann::json(number), value["text"].get<std::string>(), where);
    }
  }
  flush(*model, pending, args, throughput, drift, flag_words);
  if (args.stats) {
    auto report = throughput.report();
    if (drift.size() > 0) {
      const auto checked = drift.report();
      for (const auto& warning : checked.warnings) std::cerr << "guardian: " << warning << "\n";
      report["drift"] = checked.json;
    }
    if (args.explain > 0) {
      // What these messages' flags rest on: beside a drift warning, the cue that moved.
      report["flag_words"] = flag_words.to_json(infer::kFlagWordsListed, /*labelled=*/false);
      std::string listed;
      for (const auto& e : flag_words.top(infer::kFlagWordsListed)) {
        listed += (listed.empty() ? "" : ", ") + e.word + " " + std::to_string(e.flags);
      }
      if (!listed.empty()) std::cerr << "guardian: the words behind most flags: " << listed << "\n";
    }
    std::cerr << report.dump() << "\n";
  }
  if (failures) std::cerr << "guardian: " << failures << " input(s) could not be moderated (see the error lines)\n";
  return failures ? 2 : 0;
}

}  // namespace

void add_moderate_command(CLI::App& app) {
  auto args = std::make_shared<ModerateArgs>();
  auto* cmd = app.add_subcommand(
      "moderate",
      "Score messages: TEXT arguments, or JSON Lines {\"id\":..,\"text\":..} on stdin; one JSON line out per input");
  cmd->add_option("-m,--model", args->model, "Model directory")->required();
  cmd->add_option("texts", args->texts, "Messages to score (none: read JSON Lines from stdin)");
  cmd->add_option("--policy", args->policy, "Decide under another policy file with the same categories");
  cmd->add_option("--batch", args->batch, "Messages scored together")->check(CLI::Range(1, 4096));
  cmd->add_flag("--with-text", args->with_text, "Echo each text in its output line");
  cmd->add_option("--format", args->format, "json (one object per input) or text (one readable line per input)")
      ->check(CLI::IsMember({"json", "text"}));
  cmd->add_option("--explain", args->explain,
                  "List the N words that moved each category's score most (each left out in turn, one forward "
                  "pass per word): \"explanation\": {category: [{word, offset, influence}]}, influence in log-odds, "
                  "> 0 toward flagging")
      ->check(CLI::Range(1, static_cast<int>(infer::kMaxExplanationTop)));
  cmd->add_flag("--stats", args->stats,
                "Print the throughput after loading (messages/s, overall and scoring alone) and the drift check (each "
                "category's share of these messages at its threshold against the policy's reference) to stderr as JSON; "
                "with --explain, also the words behind the most flags");
  cmd->callback([args] {
    const int code = run_moderate(*args);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace guardian::app

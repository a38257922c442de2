// guardian moderate: texts from the command line, or JSON Lines on stdin, to one JSON line each.
// Streams stdin in small batches, so input of any length runs in constant memory.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/json_lines.h"
#include "models/model.h"
#include "serve/moderation.h"
#include "text/normalize.h"
#include "train/data_sets.h"

namespace guardian::app {

namespace {

struct ModerateArgs {
  std::string model;
  std::vector<std::string> texts;
  std::string policy;
  int batch = 64;
  bool with_text = false;
};

struct Pending {
  nlohmann::json id;
  std::string text;
};

// Scores and prints one batch; returns how many inputs failed.
void flush(models::Model& model, std::vector<Pending>& pending, bool with_text) {
  if (pending.empty()) return;
  std::vector<std::string> texts;
  for (const auto& p : pending) texts.push_back(p.text);
  auto results = serve::moderate(model, texts);
  for (size_t i = 0; i < pending.size(); ++i) {
    auto line = serve::to_json(results[i], model.policy());
    line["id"] = pending[i].id;
    if (with_text) line["text"] = pending[i].text;
    std::cout << line.dump() << "\n";
  }
  std::cout.flush();
  pending.clear();
}

int run_moderate(const ModerateArgs& args) {
  auto model = models::load_model(args.model);
  models::configure_threads();
  if (!args.policy.empty()) model->set_policy(train::resolve_policy(args.policy));
  std::vector<Pending> pending;
  int failures = 0;
  auto accept = [&](nlohmann::json id, std::string text, const std::string& where) {
    if (!text::is_valid_utf8(text)) {
      std::cout << nlohmann::json({{"id", id}, {"error", where + ": text is not valid UTF-8"}}).dump() << "\n";
      ++failures;
      return;
    }
    pending.push_back({std::move(id), std::move(text)});
    if (static_cast<int>(pending.size()) >= args.batch) flush(*model, pending, args.with_text);
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
      } catch (const nlohmann::json::parse_error& e) {
        std::cout << nlohmann::json({{"line", number}, {"error", where + ": not valid JSON"}}).dump() << "\n";
        ++failures;
        continue;
      }
      if (!value.is_object() || !value.contains("text") || !value["text"].is_string()) {
        std::cout << nlohmann::json({{"line", number}, {"error", where + ": expected {\"id\": ..., \"text\": \"...\"}"}}).dump()
                  << "\n";
        ++failures;
        continue;
      }
      accept(value.contains("id") ? value["id"] : nlohmann::json(number), value["text"].get<std::string>(), where);
    }
  }
  flush(*model, pending, args.with_text);
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
  cmd->callback([args] {
    const int code = run_moderate(*args);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace guardian::app

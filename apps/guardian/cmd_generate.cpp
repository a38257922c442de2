// guardian generate: continue prompts with a Hugging Face decoder checkpoint. A prompt argument
// prints its continuation as text (--stream: as it comes); --jsonl, or JSON Lines {"id", "prompt"}
// on stdin, print one JSON line per prompt (in the order they finish, batched through the engine).
// --ids continues token ids and prints {"new_ids": [...]}, so a checkpoint without a tokenizer runs.
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "apps/guardian/sampling_flags.h"
#include "core/error.h"
#include "generate/engine.h"
#include "generate/generation_model.h"
#include "text/normalize.h"

namespace guardian::app {

namespace {

struct GenerateArgs {
  std::string model;
  std::vector<std::string> prompts;
  std::string ids;
  bool jsonl = false;
  bool stream = false;
  int batch = 8;
  SamplingFlags sampling;
};

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    try {
      size_t used = 0;
      ids.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw InputError("--ids: '" + item + "' is not an integer (expected comma-separated ids, e.g. 5,17,42)");
    }
  }
  if (ids.empty()) throw InputError("--ids: expected at least one token id");
  return ids;
}

// One prompt to JSON: its id, and its request or the error that stopped it.
struct Pending {
  nlohmann::json id;
  std::string prompt;
  std::string error;
};

// Runs the prompts through one engine, at most args.batch at a time, printing each line as its
// sequence finishes; returns the number of prompts that failed.
int run_json_lines(const generate::GenerationModel& model, const GenerateArgs& args, std::istream* in) {
  generate::Engine engine(*model.decoder, model.tokenizer.get());
  std::map<int64_t, nlohmann::json> ids_of_slots;
  int failures = 0;
  auto print_finished = [&] {
    for (auto& [slot, done] : engine.take_finished()) {
      auto line = completion_json(done, model.tokenizer.get());
      line["id"] = ids_of_slots[slot];
      ids_of_slots.erase(slot);
      std::cout << json_line(line) << "\n" << std::flush;
    }
  };
  auto submit = [&](const Pending& p) {
    if (p.error.empty()) {
      try {
        auto request = args.sampling.request(model, model.encode_prompt(p.prompt));
        ids_of_slots[engine.add(std::move(request))] = p.id;
      } catch (const InputError& e) {
        std::cout << json_line({{"id", p.id}, {"error", e.what()}}) << "\n";
        ++failures;
      }
    } else {
      std::cout << json_line({{"id", p.id}, {"error", p.error}}) << "\n";
      ++failures;
    }
    while (engine.running() >= args.batch) {
      engine.step();
      print_finished();
    }
  };
  if (!in) {
    for (size_t i = 0; i < args.prompts.size(); ++i) submit({static_cast<int>(i + 1), args.prompts[i], ""});
  } else {
    std::string line;
    int64_t number = 0;
    while (std::getline(*in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = "stdin:" + std::to_string(number);
      nlohmann::json value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!value.is_object() || !value.contains("prompt") || !value["prompt"].is_string()) {
        submit({number, "", where + ": expected {\"id\": ..., \"prompt\": \"...\"}"});
        continue;
      }
      const auto id = value.contains("id") ? value["id"] : nlohmann::json(number);
      const auto prompt = value["prompt"].get<std::string>();
      submit({id, prompt, text::is_valid_utf8(prompt) ? "" : where + ": prompt is not valid UTF-8"});
    }
  }
  while (!engine.idle()) {
    engine.step();
    print_finished();
  }
  return failures;
}

int run_generate(const GenerateArgs& args) {
  const auto model = generate::load_generation_model(args.model);
  if (!args.ids.empty()) {
    if (!args.prompts.empty()) throw InputError("generate: give either --ids or prompts, not both");
    generate::Engine engine(*model.decoder, model.tokenizer.get());
    const auto done = engine.run({args.sampling.request(model, parse_ids(args.ids))});
    std::cout << json_line(completion_json(done.front(), model.tokenizer.get())) << "\n";
    return 0;
  }
  model.require_tokenizer();
  if (args.jsonl || args.prompts.empty()) {
    const int failures = run_json_lines(model, args, args.prompts.empty() ? &std::cin : nullptr);
    if (failures) std::cerr << "guardian: " << failures << " prompt(s) could not be continued (see the error lines)\n";
    return failures ? 2 : 0;
  }
  // Text: one prompt after another, each continuation on its own line.
  for (const auto& prompt : args.prompts) {
    generate::Engine engine(*model.decoder, model.tokenizer.get());
    auto request = args.sampling.request(model, model.encode_prompt(prompt));
    if (args.stream) request.on_text = [](const std::string& piece) { std::cout << piece << std::flush; };
    const auto done = engine.run({std::move(request)});
    if (!args.stream) std::cout << done.front().text;
    std::cout << "\n" << std::flush;
  }
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand(
      "generate",
      "Continue prompts with a decoder checkpoint (Llama, Mistral, Qwen2/3, Gemma 3): PROMPT arguments, JSON Lines "
      "{\"id\":..,\"prompt\":..} on stdin, or --ids");
  cmd->add_option("-m,--model", args->model, "Hugging Face checkpoint directory (config.json, model.safetensors, tokenizer.json)")
      ->required();
  cmd->add_option("prompts", args->prompts, "Prompts to continue (none: JSON Lines on stdin)");
  cmd->add_option("--ids", args->ids, "Prompt token ids, comma-separated; prints {\"new_ids\": [...]}");
  cmd->add_flag("--jsonl", args->jsonl, "One JSON line per prompt argument instead of text");
  cmd->add_flag("--stream", args->stream, "Print text as it is generated (whole characters, never a stop string)");
  cmd->add_option("--batch", args->batch, "Sequences generated together (JSON Lines)")->check(CLI::Range(1, 256));
  args->sampling.add_to(cmd);
  cmd->callback([args] {
    const int code = run_generate(*args);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace guardian::app

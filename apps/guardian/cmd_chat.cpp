// guardian chat: a conversation with a decoder checkpoint under its own chat template. Each stdin
// line is a user turn; the reply streams to stdout and ends with a newline; the conversation
// (and --system) is kept for the next turn. Special-token text typed in a turn stays text.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "apps/guardian/sampling_flags.h"
#include "core/error.h"
#include "generate/engine.h"
#include "generate/generation_model.h"
#include "text/chat_prompt.h"
#include "text/normalize.h"

namespace guardian::app {

namespace {

struct ChatArgs {
  std::string model;
  std::string system;
  bool jsonl = false;
  SamplingFlags sampling;
};

void run_chat(const ChatArgs& args) {
  const auto model = generate::load_generation_model(args.model);
  const auto& tokenizer = model.require_tokenizer();
  if (model.tokenizer_config.chat_template.empty()) {
    throw InputError(args.model + "/tokenizer_config.json: no 'chat_template'; use guardian generate for plain prompts");
  }
  const text::ChatTemplate chat_template(model.tokenizer_config.chat_template);
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!args.system.empty()) messages.push_back({{"role", "system"}, {"content", args.system}});
  std::string line;
  int64_t number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!text::is_valid_utf8(line)) throw InputError("stdin:" + std::to_string(number) + ": not valid UTF-8");
    messages.push_back({{"role", "user"}, {"content", line}});
    const auto ids = text::encode_chat(tokenizer, chat_template, model.tokenizer_config, messages, /*add_generation_prompt=*/true);
    generate::Engine engine(*model.decoder, &tokenizer);
    auto request = args.sampling.request(model, {ids.begin(), ids.end()});
    if (!args.jsonl) request.on_text = [](const std::string& piece) { std::cout << piece << std::flush; };
    const auto done = engine.run({std::move(request)});
    if (args.jsonl) {
      auto out = completion_json(done.front(), &tokenizer);
      out["turn"] = number;
      std::cout << json_line(out) << "\n" << std::flush;
    } else {
      std::cout << "\n" << std::flush;
    }
    messages.push_back({{"role", "assistant"}, {"content", done.front().text}});
  }
}

}  // namespace

void add_chat_command(CLI::App& app) {
  auto args = std::make_shared<ChatArgs>();
  auto* cmd = app.add_subcommand(
      "chat", "Talk with a decoder checkpoint under its chat template: one user turn per stdin line, the reply on stdout");
  cmd->add_option("-m,--model", args->model, "Hugging Face checkpoint directory with tokenizer.json and tokenizer_config.json")
      ->required();
  cmd->add_option("--system", args->system, "A system message before the conversation");
  cmd->add_flag("--jsonl", args->jsonl, "Each reply as one JSON line (text, new_ids, finish_reason) instead of streamed text");
  args->sampling.add_to(cmd);
  cmd->callback([args] { run_chat(*args); });
}

}  // namespace guardian::app

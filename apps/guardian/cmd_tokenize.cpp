// guardian tokenize: ids and tokens of texts under a tokenizer.json or a SentencePiece model, for
// people debugging a model. Texts from the command line, or JSON Lines {"text": ...} on stdin.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "text/hf_tokenizer.h"
#include "text/sentencepiece_tokenizer.h"

namespace guardian::app {

namespace {

struct TokenizeArgs {
  std::string tokenizer;
  std::vector<std::string> texts;
  bool no_special = false;
};

std::unique_ptr<text::Tokenizer> open_tokenizer(const std::string& path) {
  if (path.ends_with(".json")) return text::HfTokenizer::load(path);
  return text::SentencePieceTokenizer::load(path);
}

void run_tokenize(const TokenizeArgs& args) {
  auto tokenizer = open_tokenizer(args.tokenizer);
  auto show = [&](const std::string& text) {
    auto enc = tokenizer->encode(text, !args.no_special);
    nlohmann::json offsets = nlohmann::json::array();
    for (const auto& [b, e] : enc.offsets) offsets.push_back({b, e});
    std::cout << nlohmann::json({{"ids", enc.ids}, {"tokens", enc.tokens}, {"offsets", offsets}}).dump() << "\n";
  };
  if (!args.texts.empty()) {
    for (const auto& t : args.texts) show(t);
    return;
  }
  std::string line;
  int64_t number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      auto value = nlohmann::json::parse(line);
      if (!value.is_object() || !value["text"].is_string()) throw InputError("expected {\"text\": \"...\"}");
      show(value["text"].get<std::string>());
    } catch (const std::exception& e) {
      throw InputError("stdin:" + std::to_string(number) + ": " + e.what());
    }
  }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* cmd = app.add_subcommand("tokenize", "Show ids, tokens and byte offsets of texts under a tokenizer");
  cmd->add_option("-t,--tokenizer", args->tokenizer, "tokenizer.json (Hugging Face) or a SentencePiece .model")->required();
  cmd->add_option("texts", args->texts, "Texts (none: JSON Lines {\"text\": ...} on stdin)");
  cmd->add_flag("--no-special", args->no_special, "Do not add the post-processor's special tokens");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace guardian::app

// guardian generate: greedy continuation of token ids by a Hugging Face decoder checkpoint, for
// checking a model end to end before it serves. Prints {"new_ids": [...]}.
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "generate/greedy.h"
#include "models/decoders/decoder_model.h"

namespace guardian::app {

namespace {

struct GenerateArgs {
  std::string model;
  std::string ids;
  bool greedy = false;
  bool ignore_eos = false;
  int64_t max_new_tokens = 16;
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

void run_generate(const GenerateArgs& args) {
  if (!args.greedy) throw InputError("generate: only --greedy decoding is available");
  const auto model = models::decoders::load_decoder(args.model);
  const auto ids = torch::tensor(parse_ids(args.ids), torch::kInt64).unsqueeze(0);  // [1, seq]
  generate::GreedyOptions options;
  options.max_new_tokens = args.max_new_tokens;
  options.ignore_eos = args.ignore_eos;
  const auto result = generate::generate_greedy(*model, ids, torch::ones_like(ids), options);
  const auto row = result.new_ids[0].contiguous();
  std::vector<int64_t> new_ids(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  std::cout << nlohmann::json({{"new_ids", new_ids}}).dump() << "\n";
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Continue token ids with a decoder checkpoint (Llama, Mistral, Qwen2/3, Gemma 3)");
  cmd->add_option("-m,--model", args->model, "Hugging Face checkpoint directory (config.json, model.safetensors)")->required();
  cmd->add_option("--ids", args->ids, "Prompt token ids, comma-separated")->required();
  cmd->add_flag("--greedy", args->greedy, "Pick the most likely token at each step (the only decoding for now)");
  cmd->add_flag("--ignore-eos", args->ignore_eos, "Keep generating past the end-of-sequence token");
  cmd->add_option("--max-new-tokens", args->max_new_tokens, "Tokens to generate at most")->check(CLI::Range(1, 1 << 20));
  cmd->callback([args] { run_generate(*args); });
}

}  // namespace guardian::app

// guardian merge: fold a PEFT LoRA adapter into its base checkpoint (float32), writing a new
// Hugging Face checkpoint directory; prints what changed and the largest logit difference from
// base + adapter kept apart.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "models/decoders/lora_merge.h"

namespace guardian::app {

namespace {

struct MergeArgs {
  std::string model, adapter, out;
};

void run_merge(const MergeArgs& args) {
  const auto report = models::decoders::merge_adapter(args.model, args.adapter, args.out);
  std::cout << nlohmann::json({{"out", args.out},
                               {"merged_linears", report.merged_linears},
                               {"replaced_rows", report.replaced_rows},
                               {"max_logit_diff", report.max_logit_diff}})
                   .dump()
            << "\n";
}

}  // namespace

void add_merge_command(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  auto* cmd = app.add_subcommand("merge", "Fold a LoRA adapter (PEFT format) into its base decoder checkpoint");
  cmd->add_option("-m,--model", args->model, "The base: a Hugging Face checkpoint directory")->required();
  cmd->add_option("--adapter", args->adapter, "The adapter directory (adapter_config.json, adapter_model.safetensors)")
      ->required();
  cmd->add_option("-o,--out", args->out, "The merged checkpoint directory to write (must not exist)")->required();
  cmd->callback([args] { run_merge(*args); });
}

}  // namespace guardian::app

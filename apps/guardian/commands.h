// The subcommands of the guardian binary; each adds itself to the CLI11 app and runs through the
// library. Handlers may throw guardian::Error; main() turns it into one line and exit code 1.
#pragma once

#include <CLI/CLI.hpp>

namespace guardian::app {

void add_train_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_moderate_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_feedback_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_chat_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_index_command(CLI::App& app);
void add_retrieve_command(CLI::App& app);

// Reads the GUARDIAN_* environment variables into the library's settings, once, at start: the
// library itself reads none (GUARDIAN_API_KEYS is read by `serve`, which alone uses it).
void apply_environment();

}  // namespace guardian::app

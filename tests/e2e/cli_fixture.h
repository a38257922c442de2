// End-to-end helpers for the CLI: a private data shelf with a small labelled JSON Lines set, its
// card and policy, recipes for both model kinds, and running the real binary capturing output.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "serve_fixture.h"

namespace guardian::e2e {

struct CommandResult {
  int code = 0;        // exit status
  std::string output;  // stdout and stderr together
};

// Runs the built guardian with args; GUARDIAN_DATA points at data_root when it is not empty.
CommandResult run_guardian(const std::vector<std::string>& args, const fs::path& data_root = {},
                           const std::string& stdin_text = "");

// A fresh directory for one test.
fs::path fresh_dir(const std::string& name);

// Under dir: data/shelf/train.jsonl (+ MANIFEST.md), card.toml, policy.toml; returns the card path.
fs::path write_shelf(const fs::path& dir);

// An encoder recipe over the shelf (tiny model); extra lines are appended to [train].
fs::path write_encoder_recipe(const fs::path& dir, const std::string& extra_train = "");

// The JSON objects among the output lines.
std::vector<nlohmann::json> json_lines(const std::string& output);

}  // namespace guardian::e2e

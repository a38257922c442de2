// Logging set-up: one spdlog logger on stderr with a compact pattern. Library code logs through
// spdlog::info / spdlog::warn / spdlog::debug and never prints to stdout.
#pragma once

namespace guardian::core {

// Installs the stderr logger as spdlog's default; verbose shows debug messages. Safe to call again.
void init_logging(bool verbose);

}  // namespace guardian::core

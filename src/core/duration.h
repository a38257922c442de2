// Durations as people write them in configs and on the command line: "90s", "12m", "1h30m",
// "1.5h", "250ms", "2d", or a plain number of seconds ("45").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace guardian::core {

// ConfigError naming the text on anything else (empty, negative, unknown unit, overflow).
std::chrono::milliseconds parse_duration(std::string_view text);

// The shortest form parse_duration reads back: "1h30m", "1m30.5s", "250ms", "0s".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace guardian::core

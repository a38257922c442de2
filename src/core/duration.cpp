#include "core/duration.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace guardian::core {
namespace {

// Milliseconds per unit, or 0 for an unknown unit.
double unit_ms(std::string_view unit) {
  if (unit == "ms") return 1.0;
  if (unit == "s") return 1e3;
  if (unit == "m") return 60e3;
  if (unit == "h") return 3600e3;
  if (unit == "d") return 86400e3;
  return 0.0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  auto fail = [&](const std::string& why) {
    return ConfigError("bad duration " + quoted + ": " + why +
                       " (write e.g. \"90s\", \"12m\", \"1h30m\", \"1.5h\" or a number of seconds)");
  };
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) throw fail("empty");
  double total = 0.0;
  std::size_t i = 0;
  int parts = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && is_digit(text[i])) ++i;
    }
    const std::string_view number = text.substr(start, i - start);
    if (number.empty() || number == ".") {
      if (text[start] == '-') throw fail("negative");
      throw fail("expected a number at position " + std::to_string(start));
    }
    const std::size_t unit_start = i;
    while (i < text.size() && is_alpha(text[i])) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double per = 0.0;
    if (unit.empty()) {
      if (i != text.size() || parts > 0) throw fail("a number without a unit must stand alone");
      per = 1e3;
    } else {
      per = unit_ms(unit);
      if (per == 0.0) throw fail("unknown unit \"" + std::string(unit) + "\" (use ms, s, m, h, d)");
    }
    total += std::strtod(std::string(number).c_str(), nullptr) * per;
    ++parts;
  }
  // ~292 million years fits in int64 milliseconds; anything near that is a mistake.
  if (!std::isfinite(total) || total > 9.0e15) throw fail("too large");
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total)));
}

std::string format_duration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms == 0) return "0s";
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  const int64_t hours = ms / 3600000;
  const int64_t minutes = ms / 60000 % 60;
  const int64_t seconds = ms / 1000 % 60;
  const int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (seconds > 0 || millis > 0) {
    out += std::to_string(seconds);
    if (millis > 0) {
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(millis));
      std::string f(frac);
      while (f.back() == '0') f.pop_back();
      out += f;
    }
    out += "s";
  }
  return out;
}

}  // namespace guardian::core

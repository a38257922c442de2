#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace guardian::core {

std::atomic<bool> Progress::enabled_{true};

void Progress::set_enabled(bool enabled) { enabled_.store(enabled); }
bool Progress::enabled() { return enabled_.load(); }

std::string format_clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02d:%02d", static_cast<long long>(s / 3600), static_cast<int>(s / 60 % 60),
                  static_cast<int>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(s / 60), static_cast<int>(s % 60));
  return buf;
}

Progress::Progress(std::string label, int64_t total, ProgressOptions options)
    : label_(std::move(label)),
      total_(total < 0 ? 0 : total),
      out_(options.out != nullptr ? options.out : &std::cerr),
      tty_(options.tty >= 0 ? options.tty == 1 : ::isatty(STDERR_FILENO) == 1),
      start_(Clock::now()) {
  const double interval = options.min_interval_s >= 0 ? options.min_interval_s : (tty_ ? 0.1 : 5.0);
  interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
  next_draw_ns_.store((start_ + interval_).time_since_epoch().count());
}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {
    // A failing stream must not throw from a destructor.
  }
}

void Progress::advance(int64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (!enabled()) return;
  const int64_t now = Clock::now().time_since_epoch().count();
  int64_t due = next_draw_ns_.load(std::memory_order_relaxed);
  if (now < due) return;
  // One thread wins the right to draw; the others go on.
  if (!next_draw_ns_.compare_exchange_strong(due, now + interval_.count())) return;
  draw(false);
}

void Progress::set_postfix(std::string postfix) {
  std::lock_guard lock(mutex_);
  postfix_ = std::move(postfix);
}

void Progress::finish() { draw(true); }

std::string Progress::line() const {
  std::lock_guard lock(mutex_);
  return line_locked(Clock::now());
}

std::string Progress::line_locked(Clock::time_point now) const {
  const int64_t done = done_.load(std::memory_order_relaxed);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  std::string s = label_ + "  ";
  char buf[64];
  if (total_ > 0) {
    constexpr int kWidth = 20;
    const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    const int filled = static_cast<int>(frac * kWidth);
    s += "[";
    for (int i = 0; i < kWidth; ++i) s += i < filled ? '=' : (i == filled ? '>' : ' ');
    s += "] ";
    std::snprintf(buf, sizeof buf, "%lld/%lld %d%% ", static_cast<long long>(done),
                  static_cast<long long>(total_), static_cast<int>(frac * 100));
    s += buf;
  } else {
    s += std::to_string(done) + " ";
  }
  std::snprintf(buf, sizeof buf, "%.1f it/s ", rate);
  s += buf;
  if (total_ > 0) {
    const double remaining = rate > 0 ? static_cast<double>(std::max<int64_t>(0, total_ - done)) / rate : NAN;
    s += "ETA " + format_clock(remaining);
  } else {
    s += format_clock(elapsed);
  }
  if (!postfix_.empty()) s += " " + postfix_;
  return s;
}

void Progress::draw(bool final) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  if (final) finished_ = true;
  if (!enabled()) return;
  std::string s = line_locked(Clock::now());
  if (tty_) {
    // Pad over a longer previous line, then return to column 0.
    const std::size_t width = s.size();
    if (width < last_width_) s.append(last_width_ - width, ' ');
    last_width_ = width;
    *out_ << '\r' << s;
    if (final) *out_ << '\n';
  } else {
    *out_ << s << '\n';
  }
  out_->flush();
}

}  // namespace guardian::core

// Progress reporting for long loops (training steps, data passes) on stderr:
//   train  [=====>    ] 1200/5000 24% 310.2 it/s ETA 00:12 loss 0.41
// Redrawn in place at most ~10 times a second on a terminal; a plain line every few seconds when
// stderr is a file or pipe. advance() is thread-safe and cheap; set_enabled(false) silences all.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace guardian::core {

struct ProgressOptions {
  std::ostream* out = nullptr;   // where to draw; nullptr means stderr
  int tty = -1;                  // 1 redraw in place, 0 plain lines, -1 ask isatty(stderr)
  double min_interval_s = -1.0;  // seconds between draws; -1 means 0.1 on a terminal, 5 otherwise
};

class Progress {
 public:
  // total = 0 when the number of steps is unknown (no bar, no percentage, no ETA).
  Progress(std::string label, int64_t total, ProgressOptions options = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t n = 1);
  void set_postfix(std::string postfix);  // shown after the ETA, e.g. "loss 0.412"
  void finish();                          // draws the final state once; later calls do nothing

  int64_t count() const { return done_.load(std::memory_order_relaxed); }
  std::string line() const;  // the text a draw would show now, without \r or newline

  static void set_enabled(bool enabled);
  static bool enabled();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(bool final);
  std::string line_locked(Clock::time_point now) const;

  std::string label_;
  int64_t total_;
  std::ostream* out_;
  bool tty_;
  Clock::duration interval_;
  Clock::time_point start_;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> next_draw_ns_{0};  // steady-clock time of the next allowed draw
  mutable std::mutex mutex_;              // guards postfix_, finished_ and drawing
  std::string postfix_;
  bool finished_ = false;
  std::size_t last_width_ = 0;

  static std::atomic<bool> enabled_;
};

// "00:12", "03:25", "1:02:03".
std::string format_clock(double seconds);

}  // namespace guardian::core

#include "train/stop_signal.h"

#include <atomic>
#include <csignal>

namespace guardian::train {

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int signal) {
  g_stop.store(true);
  std::signal(signal, SIG_DFL);
}

}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool stop_requested() { return g_stop.load(); }

void clear_stop_request() { g_stop.store(false); }

}  // namespace guardian::train

// End-to-end fixture for `guardian serve`: a tiny n-gram model trained once by the real binary
// (cached in the build tree), and a server process started per test on a free 127.0.0.1 port.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_client.h"

extern char** environ;

namespace guardian::e2e {

namespace fs = std::filesystem;

inline const std::string kUserKey = "test-key-user-0001";
inline const std::string kAdminKey = "test-key-admin-0001";
inline const std::string kStrictKey = "test-key-strict-0001";

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs a command line to completion with extra environment; returns the exit code. With `started`,
// returns at once with the child's pid there. A fork that fails (EAGAIN under a busy machine) is
// retried, then a test failure naming errno; an exec that fails writes why into the log and exits
// 127, so a test that fails in milliseconds says what went wrong instead of a bare exit code.
inline int run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                       const fs::path& log, pid_t* started = nullptr) {
  pid_t pid = -1;
  for (int attempt = 0; attempt < 50; ++attempt) {
    pid = ::fork();
    if (pid >= 0 || (errno != EAGAIN && errno != ENOMEM)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork for " << argv.at(0) << " failed: " << std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    const std::string why = std::string("run_process: exec ") + argv[0] + ": " + std::strerror(errno) + "\n";
    [[maybe_unused]] const auto written = ::write(2, why.data(), why.size());
    ::_exit(127);
  }
  if (started) {
    *started = pid;
    return 0;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ADD_FAILURE() << "waitpid for " << argv.at(0) << " failed: " << std::strerror(errno);
      return -1;
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Texts the tiny model learns from: the toxic ones say "idiot"/"hate"/"stupid".
inline std::vector<std::pair<std::string, int>> tiny_examples() {
  const std::vector<std::string> toxic = {"you are a stupid idiot", "i hate you idiot", "shut up you stupid fool",
                                          "what an idiot, i hate people like you", "stupid stupid idiot",
                                          "you idiot, nobody likes you", "i hate you so much, stupid",
                                          "go away idiot", "this stupid idiot again", "hate hate hate you idiot"};
  const std::vector<std::string> clean = {"have a nice day", "thanks for the help", "the weather is lovely today",
                                          "see you at the meeting tomorrow", "i like this song a lot",
                                          "could you send me the report", "happy birthday my friend",
                                          "the train arrives at noon", "what a beautiful picture", "good morning everyone"};
  std::vector<std::pair<std::string, int>> out;
  for (int round = 0; round < 4; ++round) {
    for (const auto& t : toxic) out.emplace_back(t + (round ? " " + std::to_string(round) : ""), 1);
    for (const auto& t : clean) out.emplace_back(t + (round ? " " + std::to_string(round) : ""), 0);
  }
  return out;
}

// Writes the data shelf, the card, the policy and the recipe for the tiny model under dir; returns
// the recipe.
fs::path write_tiny_recipe(const fs::path& dir);
// A tiny n-gram recipe over the tiny policy (written by write_tiny_recipe into dir) and these specs.
// extra_ngram: more [ngram] lines (e.g. "dim = 8\n" for an embedding bag).
fs::path write_recipe(const fs::path& dir, const std::vector<std::string>& train, const std::string& valid,
                      const std::string& extra_ngram = "");

// Where tiny_model() keeps its model and inputs.
inline fs::path tiny_root() { return fs::path(GUARDIAN_BINARY).parent_path().parent_path() / "e2e-serve"; }

// The tiny model directory, trained by the real binary once per build (guarded by a file lock so
// parallel test processes share it).
// $GUARDIAN_E2E_SERVE_MODEL names a ready model directory instead (for debugging the server).
inline fs::path tiny_model() {
  if (const char* given = std::getenv("GUARDIAN_E2E_SERVE_MODEL"); given != nullptr && *given != '\0') return given;
  const fs::path root = tiny_root();
  fs::create_directories(root);
  const fs::path model = root / "model";
  const int lock = ::open((root / "lock").c_str(), O_CREAT | O_RDWR, 0644);
  ::flock(lock, LOCK_EX);
  const bool stale = !fs::exists(model / "config.json") ||
                     fs::last_write_time(model / "config.json") < fs::last_write_time(GUARDIAN_BINARY);
  if (stale) {
    fs::remove_all(model);
    const auto recipe = write_tiny_recipe(root / "inputs");
    const int code = run_process({GUARDIAN_BINARY, "train", "--config", recipe.string(), "--out", model.string(), "--quiet"},
                                 {{"GUARDIAN_DATA", (root / "inputs" / "data").string()}}, root / "train.log");
    if (code != 0) {
      ::flock(lock, LOCK_UN);
      ::close(lock);
      ADD_FAILURE() << "guardian train failed (" << code << "):\n" << read_text(root / "train.log");
      return model;
    }
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  return model;
}

// One `guardian serve` process.
class ServerProcess {
 public:
  ServerProcess(const fs::path& model, const fs::path& dir, const std::vector<std::string>& extra_args = {})
      : dir_(dir) {
    port_ = free_port();
    std::vector<std::string> argv = {GUARDIAN_BINARY, "serve", "--model", model.string(), "--port", std::to_string(port_),
                                     "--config", (dir / "serve.toml").string()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    run_process(argv, {{"GUARDIAN_API_KEYS", kUserKey + "," + kAdminKey + " admin," + kStrictKey + " policy=strict"}},
                dir / "server.log", &pid_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (http(port_, "GET", "/healthz").status == 200) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the server did not come up:\n" << read_text(dir / "server.log");
  }
  ~ServerProcess() {
    if (pid_ > 0) stop(SIGTERM);
  }
  // Sends a signal and waits for the exit; returns the exit code (128+signal when killed).
  int stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void signal(int s) const { ::kill(pid_, s); }
  int port() const { return port_; }
  std::string log() const { return read_text(dir_ / "server.log"); }

 private:
  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace guardian::e2e

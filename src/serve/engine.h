// The serving engine: one worker thread gathers concurrent requests into one Model::score call
// (up to max_batch texts, waiting at most max_wait for company), behind a bounded queue. The
// deployment (model + policies) is swapped atomically on reload; in-flight batches finish on the
// one they started with. No HTTP and no torch here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "models/model.h"
#include "policy/policy.h"
#include "serve/serve_config.h"

namespace guardian::serve {

// A loaded model and the policies requests may name; immutable once built.
struct Deployment {
  std::shared_ptr<models::Model> model;             // scores texts
  std::map<std::string, policy::Policy> policies;   // by name; the model's own is among them
  std::string default_policy;                       // the model's own policy's name

  // nullptr when no loaded policy has that name.
  const policy::Policy* find(const std::string& name) const;
};

// "default, strict": the loaded policies' names, for messages.
std::string policy_names(const Deployment& deployment);

// Loads the model directory and the extra policy files (each must keep the model's categories
// and levels; ConfigError naming the file otherwise).
std::shared_ptr<const Deployment> load_deployment(const std::filesystem::path& model_dir,
                                                  const std::vector<std::filesystem::path>& policy_files);

// The queue is full: answer 503 with Retry-After.
class OverloadedError : public Error {
 public:
  using Error::Error;
};

// The engine is draining for shutdown and takes no new work.
class StoppedError : public Error {
 public:
  using Error::Error;
};

// What the engine answers for one request.
struct Scored {
  std::shared_ptr<const Deployment> deployment;  // the deployment that scored the texts
  std::vector<models::CategoryLogits> logits;    // one per text, in order
};

class Engine {
 public:
  // Called by the worker after each forward pass with its number of texts (for metrics).
  using BatchObserver = std::function<void(size_t texts)>;

  Engine(std::shared_ptr<const Deployment> deployment, BatchingConfig config, BatchObserver observer = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // texts are normalised already. OverloadedError when the queue cannot take them, StoppedError
  // after stop(). Scoring errors come back through the future.
  std::future<Scored> submit(std::vector<std::string> texts);

  void set_deployment(std::shared_ptr<const Deployment> deployment);
  std::shared_ptr<const Deployment> deployment() const;
  size_t queue_depth() const;  // texts waiting
  // Takes no new work, finishes what is queued, joins the worker. Safe to call twice.
  void stop();

 private:
  struct Request {
    std::vector<std::string> texts;
    std::promise<Scored> promise;
  };
  void run();
  void score_batch(std::vector<Request>& batch);

  BatchingConfig config_;
  BatchObserver observer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> queue_;
  size_t queued_texts_ = 0;
  bool stopping_ = false;
  mutable std::mutex deployment_mutex_;
  std::shared_ptr<const Deployment> deployment_;
  std::thread worker_;
};

}  // namespace guardian::serve

#include "serve/engine.h"

#include <spdlog/spdlog.h>

namespace guardian::serve {

const policy::Policy* Deployment::find(const std::string& name) const {
  auto it = policies.find(name);
  return it == policies.end() ? nullptr : &it->second;
}

std::string policy_names(const Deployment& deployment) {
  std::string names;
  for (const auto& [name, _] : deployment.policies) names += (names.empty() ? "" : ", ") + name;
  return names;
}

namespace {

// Same categories and levels, in the same order: the model's logits mean the same thing.
void check_compatible(const policy::Policy& model_policy, const policy::Policy& other, const std::string& where) {
  bool same = model_policy.categories.size() == other.categories.size();
  for (size_t c = 0; same && c < other.categories.size(); ++c) {
    same = model_policy.categories[c].name == other.categories[c].name &&
           model_policy.categories[c].levels.size() == other.categories[c].levels.size();
  }
  if (!same) {
    throw ConfigError(where + ": policy '" + other.name + "' does not have the model's categories and levels (" +
                      model_policy.name + "); a serving policy may change thresholds, not categories");
  }
}

}  // namespace

std::shared_ptr<const Deployment> load_deployment(const std::filesystem::path& model_dir,
                                                  const std::vector<std::filesystem::path>& policy_files) {
  auto deployment = std::make_shared<Deployment>();
  deployment->model = models::load_model(model_dir);
  const auto& own = deployment->model->policy();
  deployment->default_policy = own.name;
  deployment->policies.emplace(own.name, own);
  for (const auto& file : policy_files) {
    auto policy = policy::Policy::load(file);
    check_compatible(own, policy, file.string());
    if (deployment->policies.count(policy.name)) {
      throw ConfigError(file.string() + ": a policy named '" + policy.name + "' is already loaded (names must differ)");
    }
    deployment->policies.emplace(policy.name, std::move(policy));
  }
  return deployment;
}

Engine::Engine(std::shared_ptr<const Deployment> deployment, BatchingConfig config, BatchObserver observer)
    : config_(config), observer_(std::move(observer)), deployment_(std::move(deployment)) {
  worker_ = std::thread([this] { run(); });
}

Engine::~Engine() { stop(); }

std::future<Scored> Engine::submit(std::vector<std::string> texts) {
  Request request{std::move(texts), {}};
  auto future = request.promise.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw StoppedError("the server is shutting down");
    const size_t n = request.texts.size();
    // A request larger than the whole queue is still taken when the queue is empty.
    if (queued_texts_ > 0 && queued_texts_ + n > static_cast<size_t>(config_.queue_capacity)) {
      throw OverloadedError("the scoring queue is full (" + std::to_string(queued_texts_) + " texts waiting)");
    }
    queued_texts_ += n;
    queue_.push_back(std::move(request));
  }
  wake_.notify_one();
  return future;
}

void Engine::set_deployment(std::shared_ptr<const Deployment> deployment) {
  std::lock_guard lock(deployment_mutex_);
  deployment_ = std::move(deployment);
}

std::shared_ptr<const Deployment> Engine::deployment() const {
  std::lock_guard lock(deployment_mutex_);
  return deployment_;
}

size_t Engine::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queued_texts_;
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Engine::run() {
  const auto max_wait = std::chrono::duration<double, std::milli>(config_.max_wait_ms);
  const size_t max_batch = static_cast<size_t>(config_.max_batch);
  for (;;) {
    std::vector<Request> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(max_wait);
      wake_.wait_until(lock, deadline, [&] { return stopping_ || queued_texts_ >= max_batch; });
      size_t taken = 0;
      while (!queue_.empty() && (batch.empty() || taken + queue_.front().texts.size() <= max_batch)) {
        taken += queue_.front().texts.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_texts_ -= taken;
    }
    score_batch(batch);
  }
}

void Engine::score_batch(std::vector<Request>& batch) {
  auto deployment = this->deployment();
  try {
    std::vector<std::string> texts;
    for (auto& r : batch) {
      for (auto& t : r.texts) texts.push_back(std::move(t));
    }
    std::vector<models::CategoryLogits> logits;
    logits.reserve(texts.size());
    // One request may be larger than max_batch: score it in max_batch slices.
    const size_t step = static_cast<size_t>(config_.max_batch);
    for (size_t begin = 0; begin < texts.size(); begin += step) {
      const size_t end = std::min(texts.size(), begin + step);
      std::vector<std::string> slice(std::make_move_iterator(texts.begin() + begin),
                                     std::make_move_iterator(texts.begin() + end));
      auto out = deployment->model->score(slice);
      if (out.size() != slice.size()) throw FormatError("the model returned " + std::to_string(out.size()) +
                                                        " results for " + std::to_string(slice.size()) + " texts");
      for (auto& l : out) logits.push_back(std::move(l));
      if (observer_) observer_(slice.size());
    }
    size_t at = 0;
    for (auto& r : batch) {
      Scored scored{deployment, {}};
      const size_t n = r.texts.size();
      scored.logits.assign(std::make_move_iterator(logits.begin() + at), std::make_move_iterator(logits.begin() + at + n));
      at += n;
      r.promise.set_value(std::move(scored));
    }
  } catch (...) {
    spdlog::error("scoring a batch of {} requests failed", batch.size());
    for (auto& r : batch) {
      try {
        r.promise.set_exception(std::current_exception());
      } catch (const std::future_error&) {
        // already satisfied before the failure
      }
    }
  }
}

}  // namespace guardian::serve

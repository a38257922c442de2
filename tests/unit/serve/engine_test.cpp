// Engine: a bounded queue refuses work beyond its capacity (OverloadedError, the server's 503)
// instead of growing, takes a request larger than the queue when the queue is empty, batches
// concurrent requests, and refuses work once stopped. A fake model that blocks until released
// makes the queue fill deterministically.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "serve/engine.h"

namespace guardian::serve {
namespace {

// Scores every text as "level 0" once released; counts batches and their sizes.
class GateModel : public models::Model {
 public:
  GateModel() {
    policy_ = policy::Policy::parse("name = \"gate\"\n[[category]]\nname = \"toxic\"\nlevels = [\"none\", \"toxic\"]\n",
                                    "gate.toml");
    id_ = "gate@0";
  }
  std::vector<models::CategoryLogits> score(const std::vector<std::string>& texts) const override {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    batches_.push_back(texts.size());
    return std::vector<models::CategoryLogits>(texts.size(), models::CategoryLogits{{1.0f, 0.0f}});
  }
  std::string kind() const override { return "gate"; }

  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Blocks until n forward passes have started.
  void wait_entered(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_ >= n; });
  }
  std::vector<size_t> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  // What the test watches; score() is const to the engine, the counting is the test's.
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool open_ = false;
  mutable int entered_ = 0;
  mutable std::vector<size_t> batches_;
};

std::shared_ptr<const Deployment> deploy(std::shared_ptr<GateModel> model) {
  auto d = std::make_shared<Deployment>();
  d->model = std::move(model);
  d->default_policy = "gate";
  d->policies.emplace("gate", d->model->policy());
  return d;
}

BatchingConfig batching(int max_batch, double max_wait_ms, int queue_capacity) {
  BatchingConfig c;
  c.max_batch = max_batch;
  c.max_wait_ms = max_wait_ms;
  c.queue_capacity = queue_capacity;
  return c;
}

TEST(Engine, AFullQueueRefusesWorkInsteadOfGrowing) {
  auto model = std::make_shared<GateModel>();
  Engine engine(deploy(model), batching(1, 0.0, 3));
  auto first = engine.submit({"a"});
  model->wait_entered(1);  // the worker holds "a" in a forward pass; the queue is empty again
  EXPECT_EQ(engine.queue_depth(), 0u);
  std::vector<std::future<Scored>> queued;
  queued.push_back(engine.submit({"b"}));
  queued.push_back(engine.submit({"c", "d"}));
  EXPECT_EQ(engine.queue_depth(), 3u);
  EXPECT_THROW(engine.submit({"e"}), OverloadedError);
  EXPECT_THROW(engine.submit({"e", "f"}), OverloadedError);
  EXPECT_EQ(engine.queue_depth(), 3u);  // refused work is not queued
  model->open();
  EXPECT_EQ(first.get().logits.size(), 1u);
  EXPECT_EQ(queued[0].get().logits.size(), 1u);
  EXPECT_EQ(queued[1].get().logits.size(), 2u);
  // Drained: it takes work again.
  EXPECT_EQ(engine.submit({"g"}).get().logits.size(), 1u);
}

TEST(Engine, ARequestLargerThanTheQueueIsTakenWhenTheQueueIsEmpty) {
  auto model = std::make_shared<GateModel>();
  model->open();
  Engine engine(deploy(model), batching(2, 0.0, 2));
  auto scored = engine.submit({"a", "b", "c", "d", "e"}).get();
  EXPECT_EQ(scored.logits.size(), 5u);
  // Scored in max_batch slices.
  EXPECT_EQ(model->batches(), (std::vector<size_t>{2, 2, 1}));
}

TEST(Engine, ConcurrentRequestsShareAForwardPass) {
  auto model = std::make_shared<GateModel>();
  Engine engine(deploy(model), batching(64, 0.0, 100));
  auto first = engine.submit({"a"});
  model->wait_entered(1);
  std::vector<std::future<Scored>> waiting;
  for (int i = 0; i < 10; ++i) waiting.push_back(engine.submit({"t" + std::to_string(i)}));
  model->open();
  first.get();
  for (auto& f : waiting) EXPECT_EQ(f.get().logits.size(), 1u);
  // The ten requests queued behind the first went through in one pass.
  EXPECT_EQ(model->batches(), (std::vector<size_t>{1, 10}));
}

TEST(Engine, StoppedEngineRefusesWorkAndFinishesWhatWasQueued) {
  auto model = std::make_shared<GateModel>();
  auto engine = std::make_unique<Engine>(deploy(model), batching(1, 0.0, 10));
  auto first = engine->submit({"a"});
  model->wait_entered(1);
  auto second = engine->submit({"b"});
  std::thread stopper([&] { engine->stop(); });
  // stop() waits for the queued work; release the model so it can finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  model->open();
  stopper.join();
  EXPECT_EQ(first.get().logits.size(), 1u);
  EXPECT_EQ(second.get().logits.size(), 1u);
  EXPECT_THROW(engine->submit({"c"}), StoppedError);
}

}  // namespace
}  // namespace guardian::serve

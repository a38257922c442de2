// The slot engine on the transformers golden checkpoints: transformers' greedy generations
// (left-padded batch included) exactly, each sequence in a batch as it is alone, a slot joining
// mid-way changing no other, KV-cache decoding equal to a full forward, logprobs, seeds, limits.
#include <gtest/gtest.h>

#include "../decoders/golden_support.h"
#include "core/error.h"
#include "generate/engine.h"

namespace guardian::generate {
namespace {

using models::decoders::testing::golden_dir;
using models::decoders::testing::golden_tensor;
using models::decoders::testing::max_diff;

constexpr double kCacheTolerance = 1e-5;

std::vector<int64_t> to_ids(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

Request greedy(std::vector<int64_t> prompt, int64_t max_new_tokens) {
  Request r;
  r.prompt_ids = std::move(prompt);
  r.max_new_tokens = max_new_tokens;
  r.keep_logits = true;
  return r;
}

void expect_same(const Completion& a, const Completion& b, const std::string& what) {
  EXPECT_EQ(a.new_ids, b.new_ids) << what;
  ASSERT_EQ(a.step_logits.size(), b.step_logits.size()) << what;
  if (a.step_logits.empty()) return;
  EXPECT_LT(max_diff(torch::stack(a.step_logits), torch::stack(b.step_logits)), kCacheTolerance) << what;
}

class EngineGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineGolden, GreedyGenerationsOfTheLeftPaddedBatchEqualTransformers) {
  const auto dir = golden_dir(GetParam());
  const auto golden = dir / "golden.safetensors";
  const auto model = models::decoders::load_decoder(dir);
  const auto ids = golden_tensor(golden, "input_ids"), mask = golden_tensor(golden, "attention_mask");
  std::vector<Request> requests;
  for (int64_t row = 0; row < ids.size(0); ++row) {
    requests.push_back(greedy(to_ids(ids[row].masked_select(mask[row].to(torch::kBool))), 8));
  }
  Engine engine(*model);
  const auto done = engine.run(std::move(requests));
  const auto expected = golden_tensor(golden, "generated_new_ids");
  const auto step_logits = golden_tensor(golden, "generate_step_logits");  // [8, batch, vocab]
  for (int64_t row = 0; row < ids.size(0); ++row) {
    EXPECT_EQ(done[static_cast<size_t>(row)].new_ids, to_ids(expected[row])) << "row " << row;
    EXPECT_LT(max_diff(torch::stack(done[static_cast<size_t>(row)].step_logits), step_logits.select(1, row)), 1e-4);
    EXPECT_EQ(done[static_cast<size_t>(row)].finish_reason, "length");
  }
}

INSTANTIATE_TEST_SUITE_P(Transformers, EngineGolden, ::testing::Values("llama", "mistral", "qwen2", "qwen3", "gemma3"));

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { model_ = models::decoders::load_decoder(golden_dir("llama")); }
  Completion alone(Request r) {
    Engine engine(*model_);
    return engine.run({std::move(r)}).front();
  }
  std::unique_ptr<models::decoders::DecoderModel> model_;
};

const std::vector<int64_t> kShort{5, 17, 42}, kLong{9, 8, 7, 6, 5, 4, 3}, kMiddle{100, 200, 300, 400, 11};

TEST_F(EngineTest, EachSequenceOfABatchIsAsItIsAlone) {
  Engine engine(*model_);
  const auto done = engine.run({greedy(kShort, 10), greedy(kLong, 6), greedy(kMiddle, 12)});
  expect_same(done[0], alone(greedy(kShort, 10)), "short");
  expect_same(done[1], alone(greedy(kLong, 6)), "long");
  expect_same(done[2], alone(greedy(kMiddle, 12)), "middle");
  EXPECT_EQ(done[1].new_ids.size(), 6u);
}

TEST_F(EngineTest, ASlotJoiningMidwayChangesNoOther) {
  Engine engine(*model_);
  const auto a = engine.add(greedy(kShort, 10));
  const auto b = engine.add(greedy(kLong, 4));  // leaves before the end: its cache rows go
  for (int i = 0; i < 3; ++i) engine.step();
  const auto c = engine.add(greedy(kMiddle, 8));
  std::map<int64_t, Completion> done;
  while (!engine.idle()) {
    engine.step();
    for (auto& [slot, completion] : engine.take_finished()) done[slot] = std::move(completion);
  }
  ASSERT_EQ(done.size(), 3u);
  expect_same(done[a], alone(greedy(kShort, 10)), "first");
  expect_same(done[b], alone(greedy(kLong, 4)), "second");
  expect_same(done[c], alone(greedy(kMiddle, 8)), "joined");
}

TEST_F(EngineTest, KvCacheDecodingEqualsAFullForward) {
  const auto done = alone(greedy(kLong, 8));
  std::vector<int64_t> all = kLong;
  all.insert(all.end(), done.new_ids.begin(), done.new_ids.end() - 1);
  const auto ids = torch::tensor(all, torch::kInt64).unsqueeze(0);
  const auto n = ids.size(1);
  const auto out = model_->forward(ids, torch::ones_like(ids), torch::arange(n, torch::kInt64).unsqueeze(0));
  const auto full = out.logits[0].slice(0, static_cast<int64_t>(kLong.size()) - 1);  // [8, vocab]
  EXPECT_LT(max_diff(torch::stack(done.step_logits), full), kCacheTolerance);
}

TEST_F(EngineTest, LogprobsAreTheLogSoftmaxOfTheRawLogits) {
  auto r = greedy(kMiddle, 5);
  r.logprobs = 3;
  r.sampler.repetition_penalty = 1.7;  // processed logits differ from raw: logprobs stay raw
  const auto done = alone(r);
  ASSERT_EQ(done.logprobs.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const auto expected = done.step_logits[i].log_softmax(0);
    const auto& lp = done.logprobs[i];
    EXPECT_EQ(lp.id, done.new_ids[i]);
    EXPECT_NEAR(lp.logprob, expected[lp.id].item<double>(), 1e-6);
    ASSERT_EQ(lp.top.size(), 3u);
    const auto [values, ids] = expected.topk(3);
    for (int64_t k = 0; k < 3; ++k) {
      EXPECT_EQ(lp.top[static_cast<size_t>(k)].first, ids[k].item<int64_t>());
      EXPECT_NEAR(lp.top[static_cast<size_t>(k)].second, values[k].item<double>(), 1e-6);
    }
  }
}

Request sampled(std::vector<int64_t> prompt, uint64_t seed) {
  auto r = greedy(std::move(prompt), 12);
  r.sampler.do_sample = true;
  r.sampler.temperature = 1.5;
  r.sampler.top_k = 0;
  r.sampler.seed = seed;
  return r;
}

TEST_F(EngineTest, SameSeedSameTokensOtherSeedOtherTokens) {
  Engine engine(*model_);
  const auto batch = engine.run({sampled(kShort, 1), sampled(kLong, 2)});
  Engine again(*model_);
  const auto repeat = again.run({sampled(kShort, 1), sampled(kLong, 2)});
  EXPECT_EQ(batch[0].new_ids, repeat[0].new_ids);
  EXPECT_EQ(batch[1].new_ids, repeat[1].new_ids);
  EXPECT_EQ(alone(sampled(kShort, 1)).new_ids, batch[0].new_ids);  // each slot draws from its own RNG
  EXPECT_NE(alone(sampled(kShort, 99)).new_ids, batch[0].new_ids);
}

TEST_F(EngineTest, AnEosIdEndsOnlyItsSequence) {
  const auto free = alone(greedy(kShort, 10));
  auto stopping = greedy(kShort, 10);
  stopping.eos_token_ids = {free.new_ids[3]};
  Engine engine(*model_);
  const auto done = engine.run({stopping, greedy(kLong, 10)});
  const auto first = std::find(free.new_ids.begin(), free.new_ids.end(), free.new_ids[3]) - free.new_ids.begin();
  EXPECT_EQ(done[0].finish_reason, "eos");
  EXPECT_EQ(static_cast<int64_t>(done[0].new_ids.size()), first + 1);  // the eos id is kept
  expect_same(done[1], alone(greedy(kLong, 10)), "the other sequence");
}

TEST_F(EngineTest, PromptPlusMaxNewTokensBeyondTheContextIsAnError) {
  Engine engine(*model_);  // max_position_embeddings 256
  std::vector<int64_t> prompt(250, 7);
  try {
    engine.add(greedy(prompt, 7));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("max_position_embeddings of 256"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(engine.add(greedy(prompt, 6)));
  EXPECT_THROW(engine.add(greedy({}, 4)), InputError);
  EXPECT_THROW(engine.add(greedy({512}, 4)), InputError);
  auto with_stop = greedy(kShort, 4);
  with_stop.stop_strings = {"x"};
  EXPECT_THROW(engine.add(with_stop), InputError);  // no tokenizer to see text with
}

}  // namespace
}  // namespace guardian::generate

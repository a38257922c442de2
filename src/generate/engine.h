// The generation engine: sequences ("slots") that join and leave a running batch between decode
// steps, each with its own sampler settings, RNG, stop conditions and streaming callback. One
// engine serves the CLI, training rollouts and the server alike.
//
//   Engine engine(model, &tokenizer);
//   engine.add(request);                 // joins at the next step
//   while (!engine.idle()) engine.step();
//   for (auto& [slot, done] : engine.take_finished()) ...
//
// The batch shares one KV cache, left-padded: a joining slot's prompt is prefilled (with the other
// joiners, left-padded together as transformers' generate() pads a batch) and its cache rows are
// padded on the left to the running length; every row's position ids count its real tokens only,
// so a sequence computes what it would alone. A finished slot's rows leave the cache.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "generate/sampler.h"
#include "generate/text_stream.h"
#include "models/decoders/decoder_model.h"

namespace guardian::generate {

struct Request {
  std::vector<int64_t> prompt_ids;           // what the model continues; not empty
  SamplerSettings sampler;                   // how the next token is chosen
  int64_t max_new_tokens = 16;               // tokens generated at most
  std::vector<int64_t> eos_token_ids;        // the sequence ends after generating any of these
  std::vector<std::string> stop_strings;     // the text ends before the first of these (needs a tokenizer)
  int64_t logprobs = -1;                     // -1: none; N >= 0: the chosen token's and N alternatives'
  bool keep_logits = false;                  // keep each step's raw logits in the completion
  std::function<void(const std::string&)> on_text;  // streamed text: whole characters, no stop string
};

// log_softmax of the model's raw logits (transformers' output_logits, before any processor), so
// the numbers mean the model's probabilities whatever the sampler settings.
struct TokenLogprob {
  int64_t id = 0;
  double logprob = 0;
  std::vector<std::pair<int64_t, double>> top;  // the N most likely ids and their logprobs
};

struct Completion {
  std::vector<int64_t> new_ids;       // generated ids, the eos id included when it ended the sequence
  std::string text;                   // decoded (special tokens skipped), cut before a stop string
  std::string finish_reason;          // "eos", "stop" (a stop string) or "length"
  std::string stop_string;            // the stop string found, when finish_reason is "stop"
  std::vector<TokenLogprob> logprobs;  // one per new id when requested
  std::vector<torch::Tensor> step_logits;  // with keep_logits: one [vocab] per new id
};

class Engine {
 public:
  // The tokenizer (may be null) turns ids into text for stop strings, streaming and Completion::text.
  Engine(const models::decoders::DecoderModel& model, const text::Tokenizer* tokenizer = nullptr);
  ~Engine();

  // Queues a sequence to join at the next step; returns its slot number. InputError when the
  // prompt is empty, holds an id outside the vocabulary, or prompt + max_new_tokens passes the
  // model's max_position_embeddings; when stop strings are given without a tokenizer; on bad
  // sampler settings.
  int64_t add(Request request);
  // One step: joining slots are prefilled and choose their first token, running slots their next;
  // finished slots leave the batch.
  void step();
  bool idle() const;
  int64_t running() const;  // slots in the batch or waiting to join
  // Completions of the slots that finished since the last call, in the order they finished.
  std::vector<std::pair<int64_t, Completion>> take_finished();

  // Convenience: every request to the end, all joining at once; completions in request order.
  std::vector<Completion> run(std::vector<Request> requests);

 private:
  struct Slot;
  // Appends `token` to slot and ends it when a stop condition holds; raw: [vocab] logits.
  void accept(Slot& slot, const torch::Tensor& raw);
  void prefill_joiners();
  void decode_running();
  void drop_finished();

  const models::decoders::DecoderModel& model_;
  const text::Tokenizer* tokenizer_;
  int64_t next_slot_ = 0;
  std::vector<std::unique_ptr<Slot>> joining_;
  std::vector<std::unique_ptr<Slot>> batch_;  // row i of cache_ is batch_[i]
  models::decoders::KvCache cache_;
  std::vector<std::pair<int64_t, Completion>> finished_;
};

}  // namespace guardian::generate

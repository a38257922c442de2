#include "generate/engine.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "generate/greedy.h"

namespace guardian::generate {

namespace models_ns = models::decoders;

struct Engine::Slot {
  int64_t number = 0;
  Request request;
  Sampler sampler;
  std::vector<int64_t> seen;  // prompt and generated ids: what the repetition penalty looks at
  std::unique_ptr<TextStream> stream;
  Completion completion;
  int64_t next_token = -1;  // chosen, not yet fed to the model
  bool done = false;

  Slot(int64_t n, Request r) : number(n), request(std::move(r)), sampler(request.sampler), seen(request.prompt_ids) {}
};

namespace {

// t with n zero slices prepended along dim.
torch::Tensor pad_left(const torch::Tensor& t, int64_t n, int64_t dim) {
  if (n == 0) return t;
  auto shape = t.sizes().vec();
  shape[static_cast<size_t>(dim)] = n;
  return torch::cat({torch::zeros(shape, t.options()), t}, dim);
}

// Both caches' rows, left-padded to the longer length: [a rows; b rows].
models_ns::KvCache concat(const models_ns::KvCache& a, const models_ns::KvCache& b) {
  const int64_t length = std::max(a.length(), b.length());
  models_ns::KvCache out;
  for (size_t layer = 0; layer < a.keys.size(); ++layer) {
    out.keys.push_back(torch::cat({pad_left(a.keys[layer], length - a.length(), 2), pad_left(b.keys[layer], length - b.length(), 2)}, 0));
    out.values.push_back(torch::cat({pad_left(a.values[layer], length - a.length(), 2), pad_left(b.values[layer], length - b.length(), 2)}, 0));
  }
  out.attention_mask = torch::cat({pad_left(a.attention_mask, length - a.length(), 1), pad_left(b.attention_mask, length - b.length(), 1)}, 0);
  return out;
}

// Keeps the rows `keep` and drops the leading columns that are padding in every row left.
models_ns::KvCache select_rows(const models_ns::KvCache& cache, const std::vector<int64_t>& keep) {
  const auto rows = torch::tensor(keep, torch::kInt64);
  const auto mask = cache.attention_mask.index_select(0, rows);
  const int64_t first = mask.any(0).to(torch::kInt64).argmax().item<int64_t>();  // first column someone uses
  models_ns::KvCache out;
  for (size_t layer = 0; layer < cache.keys.size(); ++layer) {
    out.keys.push_back(cache.keys[layer].index_select(0, rows).slice(2, first));
    out.values.push_back(cache.values[layer].index_select(0, rows).slice(2, first));
  }
  out.attention_mask = mask.slice(1, first);
  return out;
}

}  // namespace

Engine::Engine(const models_ns::DecoderModel& model, const text::Tokenizer* tokenizer)
    : model_(model), tokenizer_(tokenizer) {}

Engine::~Engine() = default;

int64_t Engine::add(Request request) {
  const auto& config = model_.config();
  const auto prompt = static_cast<int64_t>(request.prompt_ids.size());
  if (prompt == 0) throw InputError("generate: the prompt has no tokens");
  for (const auto id : request.prompt_ids) {
    if (id < 0 || id >= config.vocab_size) {
      throw InputError("generate: prompt token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                       std::to_string(config.vocab_size));
    }
  }
  if (request.max_new_tokens < 1) throw InputError("generate: max_new_tokens must be at least 1");
  if (config.max_position_embeddings > 0 && prompt + request.max_new_tokens > config.max_position_embeddings) {
    throw InputError("generate: a prompt of " + std::to_string(prompt) + " tokens + max_new_tokens " +
                     std::to_string(request.max_new_tokens) + " = " + std::to_string(prompt + request.max_new_tokens) +
                     " is beyond the model's max_position_embeddings of " + std::to_string(config.max_position_embeddings) +
                     "; shorten the prompt or lower --max-new-tokens");
  }
  if (!request.stop_strings.empty() && !tokenizer_) throw InputError("generate: stop strings need the model's tokenizer");
  auto slot = std::make_unique<Slot>(next_slot_++, std::move(request));
  if (tokenizer_) slot->stream = std::make_unique<TextStream>(*tokenizer_, slot->request.stop_strings);
  joining_.push_back(std::move(slot));
  return joining_.back()->number;
}

bool Engine::idle() const { return joining_.empty() && batch_.empty(); }

int64_t Engine::running() const { return static_cast<int64_t>(joining_.size() + batch_.size()); }

void Engine::accept(Slot& slot, const torch::Tensor& raw) {
  const auto& request = slot.request;
  auto& done = slot.completion;
  const int64_t id = slot.sampler.choose(process_logits(raw, slot.seen, request.sampler));
  if (request.keep_logits) done.step_logits.push_back(raw.clone());  // not a view that holds the whole batch
  if (request.logprobs >= 0) {
    const auto logprobs = raw.log_softmax(0);  // [vocab]
    TokenLogprob entry{id, logprobs[id].item<double>(), {}};
    if (request.logprobs > 0) {
      const auto [values, ids] = logprobs.topk(std::min<int64_t>(request.logprobs, logprobs.size(0)));
      for (int64_t k = 0; k < values.size(0); ++k) entry.top.emplace_back(ids[k].item<int64_t>(), values[k].item<double>());
    }
    done.logprobs.push_back(std::move(entry));
  }
  done.new_ids.push_back(id);
  slot.seen.push_back(id);
  slot.next_token = id;
  auto emit = [&](const std::string& piece) {
    if (!piece.empty() && request.on_text) request.on_text(piece);
  };
  if (slot.stream) emit(slot.stream->push(static_cast<int>(id)));
  const bool eos = std::find(request.eos_token_ids.begin(), request.eos_token_ids.end(), id) != request.eos_token_ids.end();
  if (slot.stream && slot.stream->stopped()) {
    done.finish_reason = "stop";
    done.stop_string = slot.stream->stop_string();
  } else if (eos) {
    done.finish_reason = "eos";
  } else if (static_cast<int64_t>(done.new_ids.size()) >= request.max_new_tokens) {
    done.finish_reason = "length";
  } else {
    return;
  }
  slot.done = true;
  if (slot.stream) {
    emit(slot.stream->finish());
    done.text = slot.stream->text();
  }
}

void Engine::decode_running() {
  if (batch_.empty()) return;
  const auto rows = static_cast<int64_t>(batch_.size());
  auto tokens = torch::empty({rows, 1}, torch::kInt64);
  for (int64_t i = 0; i < rows; ++i) tokens[i][0] = batch_[static_cast<size_t>(i)]->next_token;
  // The new token's position is the row's count of real tokens so far.
  const auto positions = cache_.attention_mask.sum(-1, /*keepdim=*/true);  // [rows, 1]
  const auto out = model_.forward(tokens, torch::ones_like(tokens), positions, &cache_);
  const auto logits = out.logits.select(1, 0);  // [rows, vocab]
  for (int64_t i = 0; i < rows; ++i) accept(*batch_[static_cast<size_t>(i)], logits[i]);
}

void Engine::prefill_joiners() {
  if (joining_.empty()) return;
  const auto rows = static_cast<int64_t>(joining_.size());
  int64_t length = 0;
  for (const auto& slot : joining_) length = std::max(length, static_cast<int64_t>(slot->request.prompt_ids.size()));
  auto ids = torch::zeros({rows, length}, torch::kInt64);  // padding ids are masked out; 0 is as good as any
  auto mask = torch::zeros({rows, length}, torch::kInt64);
  for (int64_t i = 0; i < rows; ++i) {
    const auto& prompt = joining_[static_cast<size_t>(i)]->request.prompt_ids;
    const auto n = static_cast<int64_t>(prompt.size());
    ids[i].slice(0, length - n).copy_(torch::tensor(prompt, torch::kInt64));
    mask[i].slice(0, length - n).fill_(1);
  }
  models_ns::KvCache fresh;
  const auto out = model_.forward(ids, mask, position_ids_from_mask(mask), &fresh);
  const auto logits = out.logits.select(1, -1);  // [rows, vocab]
  cache_ = batch_.empty() ? std::move(fresh) : concat(cache_, fresh);
  for (int64_t i = 0; i < rows; ++i) {
    accept(*joining_[static_cast<size_t>(i)], logits[i]);
    batch_.push_back(std::move(joining_[static_cast<size_t>(i)]));
  }
  joining_.clear();
}

void Engine::drop_finished() {
  std::vector<int64_t> keep;
  for (size_t i = 0; i < batch_.size(); ++i) {
    if (!batch_[i]->done) keep.push_back(static_cast<int64_t>(i));
  }
  if (keep.size() == batch_.size()) return;
  std::vector<std::unique_ptr<Slot>> left;
  for (auto& slot : batch_) {
    if (slot->done) finished_.emplace_back(slot->number, std::move(slot->completion));
    else left.push_back(std::move(slot));
  }
  cache_ = keep.empty() ? models_ns::KvCache{} : select_rows(cache_, keep);
  batch_ = std::move(left);
}

void Engine::step() {
  // Running slots first: a joiner's prefill must not see the others' pending tokens.
  decode_running();
  prefill_joiners();
  drop_finished();
}

std::vector<std::pair<int64_t, Completion>> Engine::take_finished() { return std::exchange(finished_, {}); }

std::vector<Completion> Engine::run(std::vector<Request> requests) {
  std::map<int64_t, size_t> order;
  for (size_t i = 0; i < requests.size(); ++i) order[add(std::move(requests[i]))] = i;
  std::vector<Completion> out(requests.size());
  while (!idle()) {
    step();
    for (auto& [slot, done] : take_finished()) {
      if (order.count(slot)) out[order[slot]] = std::move(done);
    }
  }
  return out;
}

}  // namespace guardian::generate

#include "apps/guardian/sampling_flags.h"

#include <algorithm>

namespace guardian::app {

void SamplingFlags::add_to(CLI::App* cmd) {
  temperature_ = cmd->add_option("--temperature", temperature, "Divide the logits by T before sampling (0: greedy)")
                     ->check(CLI::Range(0.0, 1e6));
  top_k_ = cmd->add_option("--top-k", top_k, "Sample among the K most likely tokens (0: all)")->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  top_p_ = cmd->add_option("--top-p", top_p, "Sample among the smallest set of tokens holding probability P")->check(CLI::Range(0.0, 1.0));
  min_p_ = cmd->add_option("--min-p", min_p, "Drop tokens less likely than P x the most likely one")->check(CLI::Range(0.0, 1.0));
  repetition_penalty_ = cmd->add_option("--repetition-penalty", repetition_penalty,
                                        "Lower the logits of tokens already in prompt or output (transformers' meaning; 1: off)")
                            ->check(CLI::Range(1e-6, 1e6));
  cmd->add_option("--seed", seed, "Seed of each sequence's sampler (same seed, same text)");
  max_new_tokens_ = cmd->add_option("--max-new-tokens", max_new_tokens, "Tokens to generate at most")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--stop", stops, "End the text before this string (repeatable)");
  cmd->add_option("--logprobs", logprobs, "Log-probabilities of each chosen token and the N most likely (raw logits)")
      ->check(CLI::Range(int64_t{0}, int64_t{100}));
  cmd->add_flag("--greedy", greedy, "Pick the most likely token at each step (overrides do_sample and the sampling flags)");
  cmd->add_flag("--ignore-eos", ignore_eos, "Keep generating past the end-of-sequence tokens");
}

generate::Request SamplingFlags::request(const generate::GenerationModel& model, std::vector<int64_t> prompt_ids) const {
  generate::Request r;
  auto& s = r.sampler;
  s = model.default_sampler();
  auto given = [](const CLI::Option* o) { return o && o->count() > 0; };
  if (given(temperature_)) s.temperature = temperature;
  if (given(top_k_)) s.top_k = top_k;
  if (given(top_p_)) s.top_p = top_p;
  if (given(min_p_)) s.min_p = min_p;
  if (given(repetition_penalty_)) s.repetition_penalty = repetition_penalty;
  // A sampling flag asks for sampling, as llama.cpp's do; --greedy or a temperature of 0 forbids it.
  if (given(temperature_) || given(top_k_) || given(top_p_) || given(min_p_)) s.do_sample = true;
  if (greedy || s.temperature == 0) {
    s.do_sample = false;
    s.temperature = 1.0;
  }
  s.seed = seed;
  const auto room = model.decoder->config().max_position_embeddings - static_cast<int64_t>(prompt_ids.size());
  if (given(max_new_tokens_)) r.max_new_tokens = max_new_tokens;
  else if (model.generation.max_new_tokens) r.max_new_tokens = *model.generation.max_new_tokens;
  else r.max_new_tokens = room > 0 ? std::min<int64_t>(256, room) : 256;
  if (!ignore_eos) r.eos_token_ids = model.eos_token_ids();
  r.stop_strings = stops;
  r.logprobs = logprobs;
  r.prompt_ids = std::move(prompt_ids);
  return r;
}

nlohmann::json completion_json(const generate::Completion& done, const text::Tokenizer* tokenizer) {
  nlohmann::json out{{"new_ids", done.new_ids}};
  if (tokenizer) out["text"] = done.text;
  out["finish_reason"] = done.finish_reason;
  if (!done.stop_string.empty()) out["stop"] = done.stop_string;
  if (done.logprobs.empty()) return out;
  auto token = [&](int64_t id) { return tokenizer ? tokenizer->id_to_token(static_cast<int>(id)) : std::string(); };
  auto& list = out["logprobs"] = nlohmann::json::array();
  for (const auto& lp : done.logprobs) {
    nlohmann::json entry{{"id", lp.id}, {"logprob", lp.logprob}};
    if (tokenizer) entry["token"] = token(lp.id);
    if (!lp.top.empty()) {
      auto& top = entry["top"] = nlohmann::json::array();
      for (const auto& [id, logprob] : lp.top) {
        nlohmann::json alt{{"id", id}, {"logprob", logprob}};
        if (tokenizer) alt["token"] = token(id);
        top.push_back(alt);
      }
    }
    list.push_back(entry);
  }
  return out;
}

std::string json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace guardian::app

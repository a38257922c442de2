#include "generate/generation_model.h"

#include "core/error.h"

namespace guardian::generate {

std::vector<int64_t> GenerationModel::eos_token_ids() const {
  return generation.eos_token_ids.empty() ? decoder->config().eos_token_ids : generation.eos_token_ids;
}

const text::HfTokenizer& GenerationModel::require_tokenizer() const {
  if (!tokenizer) throw InputError("the model directory has no tokenizer.json: give token ids with --ids instead");
  return *tokenizer;
}

std::vector<int64_t> GenerationModel::encode_prompt(const std::string& prompt) const {
  const auto& t = require_tokenizer();
  std::vector<int> ids;
  if (!tokenizer_config.add_bos_token) {
    ids = t.encode(prompt, /*add_special_tokens=*/true).ids;
  } else {
    ids = t.encode(prompt, /*add_special_tokens=*/false).ids;
    if (*tokenizer_config.add_bos_token) {
      const auto bos = tokenizer_config.bos_token ? t.token_to_id(*tokenizer_config.bos_token) : std::nullopt;
      if (!bos) throw ConfigError("tokenizer_config.json: 'add_bos_token' is true but 'bos_token' names no token of tokenizer.json");
      ids.insert(ids.begin(), *bos);
    }
  }
  return {ids.begin(), ids.end()};
}

SamplerSettings GenerationModel::default_sampler() const {
  SamplerSettings s;
  s.do_sample = generation.do_sample.value_or(false);
  s.temperature = generation.temperature.value_or(1.0);
  s.top_k = generation.top_k.value_or(50);  // transformers' GenerationConfig default
  s.top_p = generation.top_p.value_or(1.0);
  s.min_p = generation.min_p.value_or(0.0);
  s.repetition_penalty = generation.repetition_penalty.value_or(1.0);
  return s;
}

GenerationModel load_generation_model(const std::filesystem::path& dir) {
  GenerationModel m;
  m.decoder = models::decoders::load_decoder(dir);
  if (std::filesystem::exists(dir / "tokenizer.json")) m.tokenizer = text::HfTokenizer::load(dir / "tokenizer.json");
  if (std::filesystem::exists(dir / "tokenizer_config.json")) {
    m.tokenizer_config = text::load_tokenizer_config(dir / "tokenizer_config.json");
  }
  if (std::filesystem::exists(dir / "generation_config.json")) {
    m.generation = load_generation_config(dir / "generation_config.json");
  }
  return m;
}

}  // namespace guardian::generate

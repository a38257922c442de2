// Everything generation reads from a Hugging Face model directory: the decoder (config.json and
// weights), tokenizer.json, tokenizer_config.json and generation_config.json (the last three
// optional: a checkpoint without a tokenizer still runs from token ids).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "generate/generation_config.h"
#include "generate/sampler.h"
#include "models/decoders/decoder_model.h"
#include "text/hf_tokenizer.h"
#include "text/tokenizer_config.h"

namespace guardian::generate {

struct GenerationModel {
  std::unique_ptr<models::decoders::DecoderModel> decoder;
  std::unique_ptr<text::HfTokenizer> tokenizer;  // null without tokenizer.json
  text::TokenizerConfig tokenizer_config;        // defaults without tokenizer_config.json
  GenerationConfig generation;                   // defaults without generation_config.json

  // generation_config.json's eos_token_id, else config.json's.
  std::vector<int64_t> eos_token_ids() const;
  // The tokenizer or an InputError saying the directory has none.
  const text::HfTokenizer& require_tokenizer() const;
  // A plain prompt's ids as transformers' tokenizer(prompt) gives them: the post-processor's
  // special tokens, or exactly one BOS first when tokenizer_config.json sets add_bos_token.
  std::vector<int64_t> encode_prompt(const std::string& prompt) const;
  // generation_config.json's sampling values over transformers' defaults (top_k 50 when sampling).
  SamplerSettings default_sampler() const;
};

GenerationModel load_generation_model(const std::filesystem::path& dir);

}  // namespace guardian::generate

// Writes a decoder trained here as a Hugging Face checkpoint directory that load_decoder (and
// transformers' LlamaForCausalLM) reads: config.json, model.safetensors (HF names, float32, no
// lm_head when tied), tokenizer.model, tokenizer.json (the same ids), tokenizer_config.json with
// the chat template it ships, generation_config.json.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include <torch/torch.h>

#include "models/decoders/decoder_config.h"
#include "text/sentencepiece_tokenizer.h"
#include "train/causal_lm.h"

namespace guardian::train {

// The chat template decoder directories written here ship: each message as "<|role|>\n" then its
// trimmed content and "</s>\n"; with add_generation_prompt, "<|assistant|>\n" to continue.
extern const char* const kDecoderChatTemplate;

// config.json's object for the config (architectures, model_type, sizes, RoPE, special ids).
nlohmann::ordered_json decoder_config_json(const models::decoders::DecoderConfig& config, DecoderSpecialIds ids);

// Everything but the weights: config, tokenizer files, generation config.
void write_decoder_files(const std::filesystem::path& dir, const models::decoders::DecoderConfig& config,
                         DecoderSpecialIds ids, const text::SentencePieceTokenizer& tokenizer);

// model.safetensors from the tensors (Hugging Face names), atomically.
void write_decoder_weights(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& tensors);

}  // namespace guardian::train

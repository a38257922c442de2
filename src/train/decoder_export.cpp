#include "train/decoder_export.h"

#include "core/fs.h"
#include "core/safetensors.h"
#include "models/model_dir.h"
#include "text/sentencepiece_export.h"

namespace guardian::train {

namespace fs = std::filesystem;

const char* const kDecoderChatTemplate =
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{{ message['content'] | trim }}{{ eos_token }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

namespace {

void write_json(const fs::path& path, const nlohmann::ordered_json& json) {
  core::write_file_atomic(path, json.dump(2) + "\n");
}

}  // namespace

nlohmann::ordered_json decoder_config_json(const models::decoders::DecoderConfig& c, DecoderSpecialIds ids) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"vocab_size", c.vocab_size},
          {"hidden_size", c.hidden_size},
          {"intermediate_size", c.intermediate_size},
          {"num_hidden_layers", c.num_hidden_layers},
          {"num_attention_heads", c.num_attention_heads},
          {"num_key_value_heads", c.num_key_value_heads},
          {"head_dim", c.head_dim},
          {"max_position_embeddings", c.max_position_embeddings},
          {"hidden_act", c.hidden_act},
          {"rms_norm_eps", c.rms_norm_eps},
          {"rope_theta", c.rope.at(models::decoders::kFullAttention).rope_theta},
          {"rope_scaling", nullptr},
          {"attention_bias", false},
          {"mlp_bias", false},
          {"tie_word_embeddings", c.tie_word_embeddings},
          {"initializer_range", 0.02},
          {"bos_token_id", ids.bos},
          {"eos_token_id", ids.eos},
          {"pad_token_id", ids.pad},
          {"torch_dtype", "float32"},
          {"use_cache", true}};
}

void write_decoder_files(const fs::path& dir, const models::decoders::DecoderConfig& config, DecoderSpecialIds ids,
                         const text::SentencePieceTokenizer& tokenizer) {
  fs::create_directories(dir);
  write_json(dir / models::kConfigFile, decoder_config_json(config, ids));
  core::write_file_atomic(dir / models::kTokenizerFile, tokenizer.model_bytes());
  write_json(dir / "tokenizer.json",
             text::sentencepiece_tokenizer_json(tokenizer.model_bytes(), (dir / models::kTokenizerFile).string()));
  write_json(dir / "tokenizer_config.json",
             {{"tokenizer_class", "LlamaTokenizerFast"},
              {"add_bos_token", true},
              {"add_eos_token", false},
              {"bos_token", tokenizer.id_to_token(ids.bos)},
              {"eos_token", tokenizer.id_to_token(ids.eos)},
              {"pad_token", tokenizer.id_to_token(ids.pad)},
              {"unk_token", tokenizer.id_to_token(tokenizer.special_tokens().unk)},
              {"model_max_length", config.max_position_embeddings},
              {"clean_up_tokenization_spaces", false},
              {"chat_template", kDecoderChatTemplate}});
  write_json(dir / "generation_config.json",
             {{"bos_token_id", ids.bos}, {"eos_token_id", ids.eos}, {"pad_token_id", ids.pad}, {"do_sample", false}});
}

void write_decoder_weights(const fs::path& path, const std::map<std::string, torch::Tensor>& tensors) {
  std::vector<torch::Tensor> held;  // the contiguous float32 copies the writer reads from
  std::vector<core::TensorToWrite> out;
  for (const auto& [name, tensor] : tensors) {
    held.push_back(tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous());
    const auto& t = held.back();
    out.push_back({name, core::DType::kF32, t.sizes().vec(), t.data_ptr(), static_cast<size_t>(t.numel()) * sizeof(float)});
  }
  core::write_safetensors(path, out, {{"format", "pt"}});
}

}  // namespace guardian::train

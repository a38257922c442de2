// Gemma 3: RMSNorm scaling by (1 + weight) in float32, embeddings scaled by sqrt(hidden_size),
// four norms per layer (before and after attention and the MLP), q/k norms before RoPE, the
// attention scale from query_pre_attn_scalar, GELU-tanh GeGLU, and two kinds of layer: sliding
// (local RoPE base) and full (global base, usually linearly scaled). "gemma3_text" is the text
// model alone; "gemma3" the multimodal checkpoint, whose text part this reads.
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "models/decoders/architectures.h"

namespace guardian::models::decoders {

DecoderConfig read_gemma3_text_config(const nlohmann::json& json, const std::filesystem::path& file) {
  using namespace config_io;
  auto config = read_common(json, file, 1000000.0);
  if (!json.contains("head_dim") || json["head_dim"].is_null()) config.head_dim = 256;  // Gemma3TextConfig's default
  config.hidden_act = optional_string(json, file, "hidden_activation", "gelu_pytorch_tanh");
  config.tie_word_embeddings = optional_bool(json, file, "tie_word_embeddings", true);
  config.qk_norm = config.sandwich_norms = config.norm_adds_one = config.scale_embeddings = true;
  config.query_pre_attn_scalar = optional_number(json, file, "query_pre_attn_scalar", 256.0);
  config.attn_logit_softcapping = optional_number(json, file, "attn_logit_softcapping", 0.0);
  config.final_logit_softcapping = optional_number(json, file, "final_logit_softcapping", 0.0);
  config.sliding_window = optional_int(json, file, "sliding_window", 4096);
  if (!read_layer_types(json, config)) {
    // Older checkpoints give a period instead: every pattern-th layer is global.
    const std::string key = json.contains("sliding_window_pattern") ? "sliding_window_pattern" : "_sliding_window_pattern";
    const int64_t pattern = optional_int(json, file, key, 6);
    if (pattern <= 0) {
      const nlohmann::json got = pattern;
      fail(file, key, "a positive integer", &got);
    }
    config.layer_types.clear();
    for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
      config.layer_types.push_back((i + 1) % pattern == 0 ? kFullAttention : kSlidingAttention);
    }
  }
  const auto* params = json.contains("rope_parameters") ? &json["rope_parameters"] : nullptr;
  const bool per_type = params && params->is_object() && params->contains(kSlidingAttention);
  if (!per_type) {
    // Legacy spelling: rope_theta + rope_scaling for global layers, rope_local_base_freq for local.
    RopeParameters local;
    local.rope_theta = optional_number(json, file, "rope_local_base_freq", 10000.0);
    config.rope[kSlidingAttention] = local;
  }
  return config;
}

DecoderConfig read_gemma3_config(const nlohmann::json& json, const std::filesystem::path& file) {
  if (!json.contains("text_config") || !json["text_config"].is_object()) {
    config_io::fail(file, "text_config", "an object holding the text model's config",
                    json.contains("text_config") ? &json["text_config"] : nullptr);
  }
  auto config = read_gemma3_text_config(json["text_config"], file);
  config.tie_word_embeddings = config_io::optional_bool(json, file, "tie_word_embeddings", config.tie_word_embeddings);
  // transformers >= 4.52 saves the text model under model.language_model.; earlier under
  // language_model.model. with the head at language_model.lm_head.
  config.layouts = {{"model.language_model.", "lm_head.weight"},
                    {"language_model.model.", "language_model.lm_head.weight"}};
  return config;
}

}  // namespace guardian::models::decoders

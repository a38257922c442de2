// A decoder language model's hyper-parameters, read from a Hugging Face config.json. Field names
// are config.json's; the flags at the end say how an architecture differs from Llama, so one
// forward serves every architecture (each architecture file sets them). No torch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace guardian::models::decoders {

// How rotary position embeddings turn a position into angles, as transformers' rope_parameters.
struct RopeParameters {
  std::string rope_type = "default";  // "default", "linear", "dynamic" or "llama3"
  double rope_theta = 10000.0;        // base of the inverse frequencies
  double factor = 1.0;                // linear/dynamic/llama3: context extension factor
  double low_freq_factor = 1.0;       // llama3: wavelengths above original/low_freq_factor are scaled
  double high_freq_factor = 4.0;      // llama3: wavelengths below original/high_freq_factor are kept
  int64_t original_max_position_embeddings = 0;  // llama3 (required), dynamic (optional)
  double partial_rotary_factor = 1.0;            // share of head_dim that rotates
};

inline constexpr const char* kFullAttention = "full_attention";
inline constexpr const char* kSlidingAttention = "sliding_attention";

struct DecoderConfig {
  std::filesystem::path file;          // the config.json read, named in every error
  std::string model_type;              // Hugging Face model_type: "llama", "qwen3", "gemma3_text", ...
  int64_t vocab_size = 0;              // rows of embed_tokens and lm_head
  int64_t hidden_size = 0;             // width of the residual stream
  int64_t intermediate_size = 0;       // width of the gated MLP
  int64_t num_hidden_layers = 0;       // decoder blocks
  int64_t num_attention_heads = 0;     // query heads
  int64_t num_key_value_heads = 0;     // key/value heads (grouped-query attention); divides the above
  int64_t head_dim = 0;                // per-head width; hidden_size / num_attention_heads when absent
  int64_t max_position_embeddings = 0; // trained context (dynamic RoPE grows past it)
  double rms_norm_eps = 1e-6;          // RMSNorm epsilon
  bool tie_word_embeddings = false;    // lm_head shares embed_tokens' weight (absent from the file)
  bool attention_bias = false;         // q/k/v/o projections carry a bias
  bool mlp_bias = false;               // gate/up/down projections carry a bias
  std::string hidden_act = "silu";     // MLP gate activation: "silu" or "gelu_pytorch_tanh"
  int64_t sliding_window = 0;          // keys within this many positions (query included); 0 = none
  std::vector<std::string> layer_types;  // per layer: kFullAttention or kSlidingAttention
  std::map<std::string, RopeParameters> rope;  // per layer type
  int64_t pad_token_id = 0;            // id that fills finished rows in generation
  std::vector<int64_t> eos_token_ids;  // generation stops a row on any of these

  // How the architecture differs from Llama (set by the architecture's reader).
  bool qkv_bias = false;               // bias on q/k/v only (Qwen2), beside attention_bias
  bool qk_norm = false;                // RMSNorm over head_dim on q and k before RoPE (Qwen3, Gemma 3)
  bool sandwich_norms = false;         // norms after attention and around the MLP (Gemma 3)
  bool norm_adds_one = false;          // RMSNorm scales by (1 + weight), in float32 (Gemma)
  bool scale_embeddings = false;       // embeddings times sqrt(hidden_size) (Gemma)
  double query_pre_attn_scalar = 0;    // attention scale is its -1/2 power; 0 = head_dim
  double attn_logit_softcapping = 0;   // tanh cap on attention scores; 0 = none
  double final_logit_softcapping = 0;  // tanh cap on the logits; 0 = none
  // Where the text model's tensors live in the checkpoint, tried in order: the first layout whose
  // embed_tokens the file holds is used (a multimodal checkpoint nests the text model).
  struct WeightsLayout {
    std::string prefix;   // before "embed_tokens.weight", "layers.N...", "norm.weight"
    std::string lm_head;  // the output projection's full name
  };
  std::vector<WeightsLayout> layouts = {{"model.", "lm_head.weight"}};

  // The RoPE of layer i (its layer type's entry).
  const RopeParameters& rope_for_layer(int64_t layer) const;
};

// Reads dir/config.json (or any config file): the architecture comes from "model_type" through
// decoder_architectures(). ConfigError or UnsupportedError naming the file, the key and what
// was expected; sizes are checked before anything is allocated.
DecoderConfig load_decoder_config(const std::filesystem::path& file);

// Pieces the architecture readers share.
namespace config_io {

// Typed reads of one key; a JSON null counts as absent. Errors name the file, the key (dotted
// under parents, e.g. "rope_scaling.factor") and what was expected.
[[noreturn]] void fail(const std::filesystem::path& file, const std::string& key, const std::string& expected,
                       const nlohmann::json* got);
int64_t required_int(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                     const std::string& parent = "");
int64_t optional_int(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                     int64_t fallback, const std::string& parent = "");
double optional_number(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                       double fallback, const std::string& parent = "");
double required_number(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                       const std::string& parent = "");
bool optional_bool(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                   bool fallback);
std::string optional_string(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                            const std::string& fallback, const std::string& parent = "");

// The keys every Llama-like config carries, RoPE in either spelling (rope_parameters, or
// rope_theta + rope_scaling); default_theta when neither names a base.
DecoderConfig read_common(const nlohmann::json& json, const std::filesystem::path& file, double default_theta);
// Every layer full attention, or every layer sliding when sliding_window is set (Mistral).
void uniform_layer_types(DecoderConfig& config);
// layer_types as the file gives them (checked); false when the file has none.
bool read_layer_types(const nlohmann::json& json, DecoderConfig& config);
// RoPE parameters from one JSON object (rope_parameters or a legacy rope_scaling).
RopeParameters read_rope(const nlohmann::json& json, const std::filesystem::path& file, const std::string& key,
                         double theta);
// Range checks and the size bound; called once the architecture has set its fields.
void validate(const DecoderConfig& config);

}  // namespace config_io

}  // namespace guardian::models::decoders

#include "train/causal_lm.h"

#include <algorithm>

#include "core/error.h"

namespace guardian::train {

namespace decoders = models::decoders;

decoders::DecoderConfig decoder_config_for(const ModelConfig& model, int vocab_size, DecoderSpecialIds ids) {
  decoders::DecoderConfig c;
  c.file = "the recipe's [model]";
  c.model_type = "llama";
  c.vocab_size = vocab_size;
  c.hidden_size = model.hidden_size;
  c.intermediate_size = model.intermediate_size;
  c.num_hidden_layers = model.num_hidden_layers;
  c.num_attention_heads = model.num_attention_heads;
  c.num_key_value_heads = model.num_key_value_heads > 0 ? model.num_key_value_heads : model.num_attention_heads;
  c.head_dim = model.num_attention_heads > 0 ? model.hidden_size / model.num_attention_heads : 0;
  c.max_position_embeddings = model.max_length;
  c.rms_norm_eps = 1e-5;
  c.tie_word_embeddings = model.tie_word_embeddings;
  c.pad_token_id = ids.pad;
  c.eos_token_ids = {ids.eos};
  decoders::RopeParameters rope;
  rope.rope_theta = 10000.0;
  c.rope[decoders::kFullAttention] = rope;
  c.layer_types.assign(static_cast<size_t>(std::max(0, model.num_hidden_layers)), decoders::kFullAttention);
  decoders::config_io::validate(c);
  return c;
}

DecoderWeightsImpl::DecoderWeightsImpl(const decoders::DecoderConfig& c) {
  const int64_t hidden = c.hidden_size, inner = c.intermediate_size, q = c.num_attention_heads * c.head_dim,
                kv = c.num_key_value_heads * c.head_dim;
  auto add = [&](const std::string& name, torch::Tensor value) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '.', '/');
    tensors[name] = register_parameter(key, std::move(value));
  };
  auto normal = [](int64_t rows, int64_t cols) { return torch::randn({rows, cols}) * 0.02; };
  add("model.embed_tokens.weight", normal(c.vocab_size, hidden));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const auto p = "model.layers." + std::to_string(i) + ".";
    add(p + "self_attn.q_proj.weight", normal(q, hidden));
    add(p + "self_attn.k_proj.weight", normal(kv, hidden));
    add(p + "self_attn.v_proj.weight", normal(kv, hidden));
    add(p + "self_attn.o_proj.weight", normal(hidden, q));
    add(p + "mlp.gate_proj.weight", normal(inner, hidden));
    add(p + "mlp.up_proj.weight", normal(inner, hidden));
    add(p + "mlp.down_proj.weight", normal(hidden, inner));
    add(p + "input_layernorm.weight", torch::ones({hidden}));
    add(p + "post_attention_layernorm.weight", torch::ones({hidden}));
  }
  add("model.norm.weight", torch::ones({hidden}));
  if (!c.tie_word_embeddings) add("lm_head.weight", normal(c.vocab_size, hidden));
}

std::vector<std::vector<int>> pack_rows(const std::vector<std::vector<int>>& texts, int length, DecoderSpecialIds ids) {
  if (length < 2) throw InputError("pack_rows: a row needs at least 2 tokens");
  std::vector<std::vector<int>> rows;
  std::vector<int> row;
  row.reserve(static_cast<size_t>(length));
  auto push = [&](int id) {
    row.push_back(id);
    if (static_cast<int>(row.size()) == length) {
      rows.push_back(std::move(row));
      row.clear();
      row.reserve(static_cast<size_t>(length));
    }
  };
  for (const auto& text : texts) {
    push(ids.bos);
    for (int id : text) push(id);
    push(ids.eos);
  }
  return rows;
}

torch::Tensor causal_loss(const decoders::DecoderModel& model, const torch::Tensor& rows) {
  const int64_t batch = rows.size(0), seq = rows.size(1);
  auto positions = torch::arange(seq, torch::kInt64).unsqueeze(0).expand({batch, seq}).contiguous();
  auto logits = model.forward(rows, torch::ones_like(rows), positions).logits;  // [batch, seq, vocab]
  auto predicted = logits.slice(1, 0, seq - 1).reshape({-1, logits.size(2)});  // [batch * (seq - 1), vocab]
  auto targets = rows.slice(1, 1, seq).reshape({-1});                          // [batch * (seq - 1)]
  return torch::nn::functional::cross_entropy(predicted, targets);
}

}  // namespace guardian::train

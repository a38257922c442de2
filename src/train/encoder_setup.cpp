#include "train/encoder_setup.h"

#include <numeric>
#include <random>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "models/model_dir.h"
#include "models/weights.h"
#include "text/sentencepiece_tokenizer.h"

namespace guardian::train {

namespace fs = std::filesystem;

models::EncoderConfig encoder_config_for(const TrainConfig& config, int vocab_size, int pad_id) {
  models::EncoderConfig e;
  e.vocab_size = vocab_size;
  e.hidden_size = config.model.hidden_size;
  e.num_hidden_layers = config.model.num_hidden_layers;
  e.num_attention_heads = config.model.num_attention_heads;
  e.intermediate_size = config.model.intermediate_size;
  e.max_position_embeddings = config.model.max_length;
  e.hidden_dropout_prob = config.model.dropout;
  e.attention_probs_dropout_prob = config.model.dropout;
  e.pad_token_id = pad_id;
  return e;
}

std::unique_ptr<text::Tokenizer> train_tokenizer(const fs::path& path, const std::vector<std::string>& texts,
                                                 const TokenizerConfig& config) {
  spdlog::info("training a SentencePiece tokenizer ({} pieces) on {} texts", config.vocab_size, texts.size());
  text::SentencePieceTrainOptions options;
  options.vocab_size = config.vocab_size;
  options.max_sentences = config.max_sentences;
  size_t next = 0;
  text::SentencePieceTokenizer::train(
      [&](std::string& sentence) {
        if (next >= texts.size()) return false;
        sentence = texts[next++];
        return true;
      },
      options, path);
  return text::SentencePieceTokenizer::load(path);
}

torch::optim::AdamW make_adamw(torch::nn::Module& module, double lr, double weight_decay) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : module.named_parameters()) {
    const bool plain = p.value().dim() < 2 || p.key().find("LayerNorm") != std::string::npos;
    (plain ? no_decay : decay).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(lr).weight_decay(weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(lr).weight_decay(0.0)));
  return torch::optim::AdamW(groups, torch::optim::AdamWOptions(lr));
}

std::vector<std::vector<size_t>> epoch_batches(const std::vector<std::vector<int>>& rows, int batch_size, int seed,
                                               int64_t epoch) {
  std::mt19937_64 rng(static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(epoch));
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t chunk = static_cast<size_t>(batch_size) * 50;
  std::vector<std::vector<size_t>> batches;
  for (size_t begin = 0; begin < order.size(); begin += chunk) {
    auto end = order.begin() + std::min(order.size(), begin + chunk);
    std::stable_sort(order.begin() + begin, end, [&](size_t a, size_t b) { return rows[a].size() < rows[b].size(); });
    for (auto it = order.begin() + begin; it < end; it += batch_size) {
      batches.emplace_back(it, std::min(end, it + batch_size));
    }
  }
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

void load_pretrained_backbone(torch::nn::Module& module, const fs::path& dir) {
  const fs::path weights = dir / models::kWeightsFile;
  if (!fs::exists(weights)) {
    throw InputError("model.pretrained: '" + dir.string() +
                     "' holds no model.safetensors (run `guardian pretrain` with this recipe first)");
  }
  models::LoadReport report;
  try {
    report = models::load_weights(module, weights, /*strict=*/false);
  } catch (const FormatError& e) {
    throw ConfigError(std::string(e.what()) + " (the recipe's [model] must match the pretraining's)");
  }
  for (const auto& name : report.missing) {
    if (name.rfind("bert.", 0) == 0 || name.rfind("roberta.", 0) == 0) {
      throw ConfigError("model.pretrained: '" + weights.string() + "' has no tensor '" + name +
                        "' (pretrained with another [model] or model_type?)");
    }
  }
  spdlog::info("encoder backbone initialised from {} ({} head tensors left out)", dir.string(),
               report.unexpected.size());
}

}  // namespace guardian::train

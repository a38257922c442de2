#include "core/json_file.h"
#include "models/encoder_model.h"

#include "core/error.h"
#include "models/batching.h"
#include "models/weights.h"
#include "text/sentencepiece_tokenizer.h"

namespace guardian::models {

nlohmann::json encoder_spec_to_json(const EncoderModelSpec& spec) {
  nlohmann::json config;
  encoder_config_to_json(spec.classifier.encoder, config);
  config["guardian"] = {
      {"kind", "encoder"},
      {"format_version", 1},
      {"pooling", spec.classifier.pooling},
      {"head_dropout", spec.classifier.head_dropout},
      {"levels", spec.classifier.levels},
      {"max_length", spec.max_length},
  };
  return config;
}

EncoderModelSpec encoder_spec_from_json(const nlohmann::json& config, const std::filesystem::path& where) {
  EncoderModelSpec spec;
  try {
    spec.classifier.encoder = encoder_config_from_json(config);
    const auto& g = config.at("guardian");
    spec.classifier.pooling = g.value("pooling", std::string("mean"));
    spec.classifier.head_dropout = g.value("head_dropout", 0.1);
    spec.classifier.levels = g.at("levels").get<std::vector<int>>();
    spec.max_length = g.value("max_length", 64);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where.string() + ": " + e.what());
  } catch (const ConfigError& e) {
    throw FormatError(where.string() + ": " + e.what());
  }
  if (spec.max_length < 2 || spec.max_length + spec.classifier.encoder.position_offset() >
                                 spec.classifier.encoder.max_position_embeddings) {
    throw FormatError(where.string() + ": guardian.max_length is out of range");
  }
  return spec;
}

std::unique_ptr<EncoderModel> EncoderModel::load(const std::filesystem::path& dir) {
  auto model = std::make_unique<EncoderModel>();
  model->dir_ = dir;
  model->spec_ = encoder_spec_from_json(core::read_json_file(dir / kConfigFile), dir / kConfigFile);
  model->policy_ = policy::Policy::load(dir / kPolicyFile);
  if (model->policy_.categories.size() != model->spec_.classifier.levels.size()) {
    throw FormatError((dir / kPolicyFile).string() + ": the policy has " +
                      std::to_string(model->policy_.categories.size()) +
                      " categories but the model has " +
                      std::to_string(model->spec_.classifier.levels.size()) + " heads");
  }
  model->tokenizer_ = text::SentencePieceTokenizer::load(dir / kTokenizerFile);
  model->net_ = Classifier(model->spec_.classifier);
  load_weights(*model->net_, dir / kWeightsFile);
  model->net_->eval();
  model->fast_ = std::make_unique<FastClassifier>(FastClassifier::from(*model->net_, inference_precision()));
  model->id_ = dir.filename().string();
  return model;
}

std::vector<CategoryLogits> split_logits(std::span<const float> logits, const std::vector<int>& levels) {
  size_t width = 0;
  for (int l : levels) width += static_cast<size_t>(l);
  std::vector<CategoryLogits> out(width == 0 ? 0 : logits.size() / width);
  for (size_t r = 0; r < out.size(); ++r) {
    const float* row = logits.data() + r * width;
    out[r].resize(levels.size());
    for (size_t c = 0; c < levels.size(); ++c) {
      out[r][c].assign(row, row + levels[c]);
      row += levels[c];
    }
  }
  return out;
}

std::vector<CategoryLogits> split_logits(const torch::Tensor& logits, const std::vector<int>& levels) {
  auto cpu = logits.to(torch::kCPU, torch::kFloat32).contiguous();  // [batch, sum(levels)]
  return split_logits(std::span<const float>(cpu.data_ptr<float>(), static_cast<size_t>(cpu.numel())), levels);
}

// Inference runs the torch-free forward (the same function as net_->forward in eval mode).
std::vector<CategoryLogits> EncoderModel::score(const std::vector<std::string>& texts) const {
  std::vector<std::vector<int>> rows;
  rows.reserve(texts.size());
  for (const auto& text : texts) rows.push_back(encode_for_model(*tokenizer_, text, spec_.max_length));
  std::vector<CategoryLogits> out(texts.size());
  auto context = take_context();
  for (const auto& indices : length_sorted_batches(rows, 64)) {
    auto logits = split_logits(fast_->forward(rows, indices, context), spec_.classifier.levels);
    for (size_t i = 0; i < indices.size(); ++i) out[indices[i]] = std::move(logits[i]);
  }
  give_back(std::move(context));  // not on an error: a context that threw is dropped with it
  return out;
}

FastClassifier::Context EncoderModel::take_context() const {
  std::lock_guard lock(contexts_mutex_);
  if (contexts_.empty()) return {};
  auto context = std::move(contexts_.back());
  contexts_.pop_back();
  return context;
}

void EncoderModel::give_back(FastClassifier::Context context) const {
  std::lock_guard lock(contexts_mutex_);
  contexts_.push_back(std::move(context));
}

}  // namespace guardian::models

// The "encoder" model kind: SentencePiece tokenizer + Classifier, loaded from a model directory.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <span>

#include "models/classifier.h"
#include "models/fast_encoder.h"
#include "models/model.h"
#include "models/model_dir.h"
#include "text/tokenizer.h"

namespace guardian::models {

// What config.json's "guardian" object holds for an encoder model.
struct EncoderModelSpec {
  ClassifierOptions classifier;  // backbone + heads
  int max_length = 64;           // tokens per message, specials included
};

nlohmann::json encoder_spec_to_json(const EncoderModelSpec& spec);
EncoderModelSpec encoder_spec_from_json(const nlohmann::json& config, const std::filesystem::path& where);

class EncoderModel : public Model {
 public:
  static std::unique_ptr<EncoderModel> load(const std::filesystem::path& dir);
  std::vector<CategoryLogits> score(const std::vector<std::string>& texts) const override;
  std::string kind() const override { return "encoder"; }

 private:
  // A forward context for one score() call: a free one, or a new one when every context is busy.
  FastClassifier::Context take_context() const;
  void give_back(FastClassifier::Context context) const;

  EncoderModelSpec spec_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  Classifier net_{nullptr};                // the trained weights (libtorch modules)
  std::unique_ptr<FastClassifier> fast_;   // the inference forward score() runs, copied from net_
  // The contexts of the calls that have finished, kept for the next ones (their buffers grown to
  // the batches seen): as many as there were calls at once, at most.
  mutable std::mutex contexts_mutex_;
  mutable std::vector<FastClassifier::Context> contexts_;
};

// Splits [batch, sum(levels)] logits into per-example, per-category vectors.
std::vector<CategoryLogits> split_logits(const torch::Tensor& logits, const std::vector<int>& levels);
// The same for row-major [batch, sum(levels)] floats.
std::vector<CategoryLogits> split_logits(std::span<const float> logits, const std::vector<int>& levels);

}  // namespace guardian::models

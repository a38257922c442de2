#include "core/json_file.h"
#include "models/model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

#include <torch/torch.h>

#include "core/error.h"
#include "core/fs.h"
#include "models/encoder_model.h"
#include "models/ensemble_model.h"
#include "models/fast_encoder.h"
#include "models/model_dir.h"
#include "models/ngram_model.h"

namespace guardian::models {

void Model::set_policy(policy::Policy policy) {
  policy.validate();
  if (policy.categories.size() != policy_.categories.size()) {
    throw ConfigError("policy '" + policy.name + "' has " + std::to_string(policy.categories.size()) +
                      " categories but the model scores " + std::to_string(policy_.categories.size()));
  }
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    const auto& mine = policy_.categories[c];
    const auto& theirs = policy.categories[c];
    if (mine.name != theirs.name || mine.levels.size() != theirs.levels.size()) {
      throw ConfigError("policy '" + policy.name + "': category " + std::to_string(c + 1) + " is '" +
                        theirs.name + "' with " + std::to_string(theirs.levels.size()) +
                        " levels, but the model scores '" + mine.name + "' with " +
                        std::to_string(mine.levels.size()));
    }
  }
  policy_ = std::move(policy);
}

std::unique_ptr<Model> load_model(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw InputError("model directory '" + dir.string() + "' does not exist (train one with `guardian train`)");
  }
  auto config = core::read_json_file(dir / kConfigFile);
  std::string kind = "encoder";
  if (config.contains("guardian") && config["guardian"].is_object()) {
    kind = config["guardian"].value("kind", kind);
  }
  const auto& kinds = model_kinds();
  const auto found = kinds.find(kind);
  if (found == kinds.end()) {
    std::string known;
    for (const auto& [name, loader] : kinds) known += (known.empty() ? "" : ", ") + name;
    throw UnsupportedError((dir / kConfigFile).string() + ": model kind '" + kind +
                           "' is not known to this guardian (it loads " + known + ")");
  }
  return found->second(dir);
}

const std::map<std::string, ModelLoader>& model_kinds() {
  static const std::map<std::string, ModelLoader> kinds = {
      {"encoder", [](const std::filesystem::path& dir) -> std::unique_ptr<Model> { return EncoderModel::load(dir); }},
      {"ngram", [](const std::filesystem::path& dir) -> std::unique_ptr<Model> { return NgramModel::load(dir); }},
      {"ensemble", [](const std::filesystem::path& dir) -> std::unique_ptr<Model> { return EnsembleModel::load(dir); }},
  };
  return kinds;
}

std::vector<std::vector<double>> to_probabilities(const CategoryLogits& logits, const policy::Policy& policy,
                                                  const std::string& language) {
  std::vector<std::vector<double>> probs(logits.size());
  std::vector<double> z;
  for (size_t c = 0; c < logits.size(); ++c) {
    const bool known = c < policy.categories.size();
    const double t = known ? policy.categories[c].temperature : 1.0;
    z.assign(logits[c].begin(), logits[c].end());
    if (z.empty()) continue;
    for (double& v : z) v /= t;
    if (known) z[0] -= policy.categories[c].offset_for(language);
    const double top = *std::max_element(z.begin(), z.end());
    double total = 0.0;
    for (double v : z) total += probs[c].emplace_back(std::exp(v - top));
    for (double& p : probs[c]) p /= total;
  }
  return probs;
}

void configure_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // One thread budget for the process: libtorch's OpenMP pool (training, the libtorch forward) and
  // OpenBLAS's pthreads pool (every product, libtorch's and the fast forward's) get the same count,
  // and the fast forward runs small batches serially (fast_encoder.h).
  at::set_num_threads(threads);
  set_inference_threads(threads);
  // One pool: inter-op parallelism would compete with the intra-op threads on a small machine.
  static bool interop_set = false;
  if (!interop_set) {
    at::set_num_interop_threads(1);
    interop_set = true;
  }
}

}  // namespace guardian::models

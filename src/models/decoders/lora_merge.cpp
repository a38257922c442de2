#include "models/decoders/lora_merge.h"

#include <set>

#include <torch/torch.h>

#include "core/error.h"
#include "core/safetensors.h"
#include "models/decoders/checkpoint.h"
#include "models/decoders/decoder_model.h"
#include "models/decoders/lora.h"
#include "models/model_dir.h"

namespace guardian::models::decoders {

namespace fs = std::filesystem;

namespace {

// The weights files of a checkpoint, which the merged model.safetensors replaces.
bool is_weights_file(const fs::path& file) {
  const auto name = file.filename().string();
  return name.ends_with(".safetensors") || name == "model.safetensors.index.json";
}

// Every tensor of base in float32, the adapter folded in where it names the module.
std::vector<std::pair<std::string, torch::Tensor>> merged_tensors(const Checkpoint& base, LoraAdapter& adapter,
                                                                  MergeReport& report) {
  const auto linears = adapter.adapted_linears();
  const auto embeddings = adapter.replaced_embeddings();
  const std::set<std::string> linear_set(linears.begin(), linears.end()), embedding_set(embeddings.begin(), embeddings.end());
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& name : base.names()) {
    auto tensor = base.load(name, base.shape(name));
    const std::string module = name.ends_with(".weight") ? name.substr(0, name.size() - 7) : "";
    if (linear_set.count(module) && tensor.dim() == 2) {
      if (auto lora = adapter.for_linear(module, tensor.size(0), tensor.size(1))) {
        tensor += lora->scaling * torch::mm(lora->b, lora->a);
        ++report.merged_linears;
      }
    } else if (embedding_set.count(module) && tensor.dim() == 2) {
      const auto& indices = adapter.config().trainable_token_indices;
      for (auto index : indices) {
        if (index >= tensor.size(0)) {
          throw ConfigError(adapter.config().file.string() + ": 'trainable_token_indices' holds " +
                            std::to_string(index) + ", outside the vocabulary of " + std::to_string(tensor.size(0)));
        }
      }
      tensor.index_copy_(0, torch::tensor(indices, torch::kInt64), adapter.token_rows(module, tensor.size(1)));
      report.replaced_rows += static_cast<int64_t>(indices.size());
    }
    out.emplace_back(name, tensor.contiguous());
  }
  adapter.check_complete();
  return out;
}

// The largest |merged - apart| logit over a probe batch: the first ids of the vocabulary and the
// replaced rows.
double probe_difference(const fs::path& merged, const fs::path& base, const fs::path& adapter_dir,
                        const std::vector<int64_t>& replaced) {
  const auto folded = load_decoder(merged);
  DecoderLoadOptions apart_options;
  apart_options.adapter = adapter_dir;
  apart_options.merge_adapter = false;
  const auto apart = load_decoder(base, apart_options);
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < std::min<int64_t>(16, folded->config().vocab_size); ++i) ids.push_back(i);
  ids.insert(ids.end(), replaced.begin(), replaced.end());
  const auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0);
  const auto mask = torch::ones_like(input);
  const auto positions = torch::arange(input.size(1), torch::kInt64).unsqueeze(0);
  const auto a = folded->forward(input, mask, positions).logits;
  const auto b = apart->forward(input, mask, positions).logits;
  return (a - b).abs().max().item<double>();
}

}  // namespace

MergeReport merge_adapter(const fs::path& base, const fs::path& adapter_dir, const fs::path& out) {
  if (fs::exists(out)) throw InputError("merge: " + out.string() + " exists; name a new directory");
  auto adapter = LoraAdapter::load(adapter_dir);
  const auto checkpoint = Checkpoint::open(base);
  MergeReport report;
  const auto tensors = merged_tensors(checkpoint, adapter, report);

  // Written beside out and renamed into place: a failure leaves no half-merged model.
  const fs::path partial = out.string() + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  try {
    for (const auto& entry : fs::directory_iterator(base)) {
      if (entry.is_regular_file() && !is_weights_file(entry.path())) {
        fs::copy_file(entry.path(), partial / entry.path().filename());
      }
    }
    std::vector<core::TensorToWrite> writes;
    for (const auto& [name, tensor] : tensors) {
      writes.push_back({name, core::DType::kF32, tensor.sizes().vec(), tensor.data_ptr<float>(),
                        static_cast<size_t>(tensor.numel()) * sizeof(float)});
    }
    core::write_safetensors(partial / kWeightsFile, writes, {{"format", "pt"}});
    report.max_logit_diff = probe_difference(partial, base, adapter_dir, adapter.config().trainable_token_indices);
    fs::rename(partial, out);
  } catch (...) {
    fs::remove_all(partial);
    throw;
  }
  return report;
}

}  // namespace guardian::models::decoders

// The tensors of a Hugging Face checkpoint directory: model.safetensors, or the shards that
// model.safetensors.index.json's weight_map names. Each tensor is read by name into a float32
// tensor of the shape the model expects (F32, F16 and BF16 files alike).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/safetensors.h"

namespace guardian::models::decoders {

class Checkpoint {
 public:
  // FormatError for a missing or hostile file: no weights at all, an index that is not JSON or
  // names a shard that is absent or outside the directory, a truncated shard, a tensor the index
  // places in a shard that does not hold it.
  static Checkpoint open(const std::filesystem::path& dir);
  // One safetensors file (an adapter's adapter_model.safetensors); FormatError when it is missing
  // or hostile.
  static Checkpoint open_file(const std::filesystem::path& file);

  std::vector<std::string> names() const;  // every tensor, sorted
  std::vector<int64_t> shape(const std::string& name) const;  // FormatError when absent

  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  // A float32 copy of the tensor; FormatError naming the file, the tensor and the expected shape
  // when it is missing, of another shape or of a dtype other than F32, F16 or BF16.
  torch::Tensor load(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  std::filesystem::path dir_;
  std::vector<core::SafetensorsFile> files_;
  std::vector<std::filesystem::path> paths_;
  std::map<std::string, size_t> where_;  // tensor name -> index into files_
};

}  // namespace guardian::models::decoders

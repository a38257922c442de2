#include "models/decoders/checkpoint.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_file.h"
#include "models/model_dir.h"

namespace guardian::models::decoders {

namespace {

constexpr const char* kIndexFile = "model.safetensors.index.json";

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A shard is named by its file name alone: a path would let an index reach outside the model.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos;
}

}  // namespace

Checkpoint Checkpoint::open(const std::filesystem::path& dir) {
  Checkpoint checkpoint;
  checkpoint.dir_ = dir;
  const auto single = dir / kWeightsFile;
  const auto index_path = dir / kIndexFile;
  std::error_code ec;
  if (std::filesystem::is_regular_file(single, ec)) return open_file(single);
  if (!std::filesystem::is_regular_file(index_path, ec)) {
    throw FormatError(dir.string() + ": no weights: expected " + kWeightsFile + " or " + kIndexFile);
  }
  const auto index = core::read_json_file(index_path);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw FormatError(index_path.string() + ": expected an object with a \"weight_map\" object (tensor -> shard file)");
  }
  std::map<std::string, size_t> shard_of_file;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string() || !plain_file_name(shard.get<std::string>())) {
      throw FormatError(index_path.string() + ": weight_map[\"" + name + "\"] = " + shard.dump() +
                        ": expected the file name of a shard in the same directory");
    }
    const auto file = shard.get<std::string>();
    auto it = shard_of_file.find(file);
    if (it == shard_of_file.end()) {
      const auto path = dir / file;
      if (!std::filesystem::is_regular_file(path, ec)) {
        throw FormatError(index_path.string() + ": names shard " + file + " (for tensor '" + name +
                          "'), which is not in " + dir.string());
      }
      checkpoint.files_.push_back(core::SafetensorsFile::load(path));
      checkpoint.paths_.push_back(path);
      it = shard_of_file.emplace(file, checkpoint.files_.size() - 1).first;
    }
    if (!checkpoint.files_[it->second].contains(name)) {
      throw FormatError(index_path.string() + ": places tensor '" + name + "' in " + file + ", which does not hold it");
    }
    checkpoint.where_[name] = it->second;
  }
  return checkpoint;
}

Checkpoint Checkpoint::open_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw FormatError(file.string() + ": no such file");
  Checkpoint checkpoint;
  checkpoint.dir_ = file.parent_path();
  checkpoint.files_.push_back(core::SafetensorsFile::load(file));
  checkpoint.paths_.push_back(file);
  for (const auto& name : checkpoint.files_.back().names()) checkpoint.where_[name] = 0;
  return checkpoint;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : where_) out.push_back(name);
  return out;
}

std::vector<int64_t> Checkpoint::shape(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw FormatError(dir_.string() + ": no tensor '" + name + "'");
  return files_[it->second].get(name).shape;
}

torch::Tensor Checkpoint::load(const std::string& name, const std::vector<int64_t>& shape) const {
  auto it = where_.find(name);
  if (it == where_.end()) {
    const auto where = paths_.size() == 1 ? paths_[0] : dir_ / kIndexFile;
    throw FormatError(where.string() + ": tensor '" + name + "' of shape " + shape_string(shape) + " is missing");
  }
  const auto& path = paths_[it->second];
  const auto& view = files_[it->second].get(name);
  if (view.shape != shape) {
    throw FormatError(path.string() + ": tensor '" + name + "' has shape " + shape_string(view.shape) +
                      ", expected " + shape_string(shape));
  }
  torch::ScalarType type;
  switch (view.dtype) {
    case core::DType::kF32: type = torch::kFloat32; break;
    case core::DType::kF16: type = torch::kFloat16; break;
    case core::DType::kBF16: type = torch::kBFloat16; break;
    default:
      throw FormatError(path.string() + ": tensor '" + name + "' is " + core::dtype_name(view.dtype) +
                        ", expected F32, F16 or BF16");
  }
  auto source = torch::from_blob(const_cast<std::byte*>(view.data.data()), view.shape, torch::TensorOptions().dtype(type));
  // A copy, so the model owns its weights beyond the file's mapping.
  return source.to(torch::kFloat32, /*non_blocking=*/false, /*copy=*/true).contiguous();
}

}  // namespace guardian::models::decoders

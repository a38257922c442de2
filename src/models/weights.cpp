#include "models/weights.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/safetensors.h"

namespace guardian::models {

namespace {

torch::ScalarType to_torch(core::DType dtype) {
  switch (dtype) {
    case core::DType::kF64: return torch::kFloat64;
    case core::DType::kF32: return torch::kFloat32;
    case core::DType::kF16: return torch::kFloat16;
    case core::DType::kBF16: return torch::kBFloat16;
    case core::DType::kI64: return torch::kInt64;
    case core::DType::kI32: return torch::kInt32;
    case core::DType::kI16: return torch::kInt16;
    case core::DType::kI8: return torch::kInt8;
    case core::DType::kU8: return torch::kUInt8;
    case core::DType::kBool: return torch::kBool;
  }
  throw FormatError("unknown dtype");
}

std::map<std::string, torch::Tensor> named_tensors(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters()) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers()) out[b.key()] = b.value();
  return out;
}

std::string shape_string(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

void save_weights(const torch::nn::Module& module, const std::filesystem::path& path,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep_alive;
  std::vector<core::TensorToWrite> tensors;
  for (const auto& [name, tensor] : named_tensors(module)) {
    auto t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    keep_alive.push_back(t);
    tensors.push_back({name, core::DType::kF32, t.sizes().vec(), t.data_ptr(),
                       static_cast<size_t>(t.numel()) * sizeof(float)});
  }
  core::write_safetensors(path, tensors, metadata);
}

LoadReport load_weights(torch::nn::Module& module, const std::filesystem::path& path, bool strict) {
  auto file = core::SafetensorsFile::load(path);
  auto targets = named_tensors(module);
  LoadReport report;
  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : targets) {
    if (!file.contains(name)) {
      report.missing.push_back(name);
      continue;
    }
    const auto& view = file.get(name);
    if (!std::equal(view.shape.begin(), view.shape.end(), target.sizes().begin(), target.sizes().end())) {
      throw FormatError(path.string() + ": tensor '" + name + "' has shape " + shape_string(view.shape) +
                        " but the model expects " + shape_string(target.sizes()));
    }
    auto source = torch::from_blob(const_cast<std::byte*>(view.data.data()), view.shape,
                                   torch::TensorOptions().dtype(to_torch(view.dtype)));
    target.copy_(source.to(target.scalar_type()));
  }
  for (const auto& name : file.names()) {
    if (!targets.count(name)) report.unexpected.push_back(name);
  }
  if (strict && (!report.missing.empty() || !report.unexpected.empty())) {
    std::string message = path.string() + ": weights do not match the model:";
    if (!report.missing.empty()) message += " missing '" + report.missing.front() + "'" +
        (report.missing.size() > 1 ? " and " + std::to_string(report.missing.size() - 1) + " more" : "");
    if (!report.unexpected.empty()) message += " unexpected '" + report.unexpected.front() + "'" +
        (report.unexpected.size() > 1 ? " and " + std::to_string(report.unexpected.size() - 1) + " more" : "");
    throw FormatError(message);
  }
  return report;
}

}  // namespace guardian::models

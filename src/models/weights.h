// Module parameters <-> safetensors files, by Hugging Face state-dict name.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <torch/torch.h>

namespace guardian::models {

// Writes every parameter and buffer of module (as float32, contiguous, on the CPU) atomically.
void save_weights(const torch::nn::Module& module, const std::filesystem::path& path,
                  const std::map<std::string, std::string>& metadata = {});

struct LoadReport {
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
};

// Copies the file's tensors into module's parameters by name (converting the dtype). A shape
// mismatch is a FormatError naming the tensor; with strict, so are missing and unexpected names.
LoadReport load_weights(torch::nn::Module& module, const std::filesystem::path& path, bool strict = true);

}  // namespace guardian::models

// Shared by the decoder tests: where the transformers goldens live, reading golden.safetensors into
// torch tensors, copying a golden checkpoint to a scratch directory, and comparing at real positions.
#pragma once

#include <filesystem>
#include <string>

#include <torch/torch.h>

namespace guardian::models::decoders::testing {

// $GUARDIAN_GOLDENS, else <data shelf>/../goldens/transformers.
std::filesystem::path goldens_root();
// goldens_root()/name; the calling test fails (never skips) when it is missing.
std::filesystem::path golden_dir(const std::string& name);

// Every tensor of a safetensors file by name, as torch tensors (I64 and F32 kept).
torch::Tensor golden_tensor(const std::filesystem::path& file, const std::string& name);
bool golden_contains(const std::filesystem::path& file, const std::string& name);

// A scratch directory removed on destruction.
struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
};

// Copies a golden directory into `to`; with legacy, config.legacy.json becomes config.json.
void copy_golden(const std::filesystem::path& from, const std::filesystem::path& to, bool legacy);

// max |a - b| over the rows where mask ([batch, seq]) is 1; a, b: [batch, seq, ...].
double max_diff_at(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask);
double max_diff(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace guardian::models::decoders::testing

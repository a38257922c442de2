#include "golden_support.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "core/fs.h"
#include "core/safetensors.h"

namespace guardian::models::decoders::testing {

std::filesystem::path goldens_root() {
  if (const char* env = std::getenv("GUARDIAN_GOLDENS")) return env;
  return core::data_root().parent_path() / "goldens" / "transformers";
}

std::filesystem::path golden_dir(const std::string& name) {
  const auto dir = goldens_root() / name;
  EXPECT_TRUE(std::filesystem::is_directory(dir)) << "golden directory missing: " << dir;
  return dir;
}

torch::Tensor golden_tensor(const std::filesystem::path& file, const std::string& name) {
  const auto st = core::SafetensorsFile::load(file);
  const auto& view = st.get(name);
  const auto type = view.dtype == core::DType::kI64 ? torch::kInt64 : torch::kFloat32;
  if (view.dtype != core::DType::kI64 && view.dtype != core::DType::kF32) {
    throw std::runtime_error(name + ": golden tensors are I64 or F32");
  }
  return torch::from_blob(const_cast<std::byte*>(view.data.data()), view.shape, type).clone();
}

bool golden_contains(const std::filesystem::path& file, const std::string& name) {
  return core::SafetensorsFile::load(file).contains(name);
}

TempDir::TempDir() {
  std::random_device rd;
  path = std::filesystem::temp_directory_path() / ("guardian-decoders-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

void copy_golden(const std::filesystem::path& from, const std::filesystem::path& to, bool legacy) {
  std::filesystem::create_directories(to);
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename(),
                               std::filesystem::copy_options::overwrite_existing);
  }
  if (legacy) {
    std::filesystem::rename(to / "config.legacy.json", to / "config.json");
  }
}

double max_diff_at(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto keep = mask.to(torch::kBool);
  return (a.index({keep}) - b.index({keep})).abs().max().item<double>();
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace guardian::models::decoders::testing

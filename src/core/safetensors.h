// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes.
// Reading is bounds-checked: a truncated or hostile file is a FormatError, never a crash.
// No torch here; models convert TensorView to and from torch tensors themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace guardian::core {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

const char* dtype_name(DType dtype);        // "F32", as safetensors writes it
std::size_t dtype_size(DType dtype);        // bytes per element
DType parse_dtype(const std::string& name); // throws FormatError on an unknown name

struct TensorView {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const std::byte> data;  // points into the owning SafetensorsFile
  int64_t numel() const;
};

// A whole safetensors file read into memory and validated.
class SafetensorsFile {
 public:
  static SafetensorsFile load(const std::filesystem::path& path);
  static SafetensorsFile parse(std::vector<std::byte> bytes, const std::string& where);

  // Views point into bytes_: moving keeps them valid, a copy would not.
  SafetensorsFile(SafetensorsFile&&) noexcept = default;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept = default;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  std::vector<std::string> names() const;     // sorted
  bool contains(const std::string& name) const;
  const TensorView& get(const std::string& name) const;  // throws FormatError naming the tensor
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  std::vector<std::byte> bytes_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// One tensor to write; data must hold numel * dtype_size bytes.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  std::size_t nbytes = 0;
};

// Writes to a temporary file beside path, then renames: a kill never leaves a half-written file.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace guardian::core

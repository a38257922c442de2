// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes.
// Reading is bounds-checked: a truncated or hostile file is a FormatError, never a crash.
// No torch here; models convert TensorView to and from torch tensors themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
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

// How SafetensorsFile::load brings a file in, for the whole process.
//   kMap (the default): maps it read-only. A model of several hundred MB opens in milliseconds and
//     its pages are read as they are touched. guardian's writers replace files by rename, which a
//     mapping survives; a file rewritten in place (cp over it) changes under the mapping or faults.
//   kRead: reads a private copy. For a long-lived server, which must keep serving the model it
//     loaded while an operator copies new files into its directory, until it is told to reload.
enum class LoadMode { kMap, kRead };
void set_load_mode(LoadMode mode);
LoadMode load_mode();

// A whole safetensors file, validated; its bytes mapped or read as load_mode() says.
class SafetensorsFile {
 public:
  static SafetensorsFile load(const std::filesystem::path& path);
  static SafetensorsFile parse(std::vector<std::byte> bytes, const std::string& where);

  // Keeps the bytes every view points into alive, beyond this object: a model that serves
  // straight from the file holds it beside its views instead of copying them.
  std::shared_ptr<const void> owner() const { return owner_; }

  // Views point into the bytes owner_ holds: moving keeps them valid, a copy would not.
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
  static SafetensorsFile parse_bytes(std::shared_ptr<const void> owner, std::span<const std::byte> bytes,
                                     const std::string& where);
  std::shared_ptr<const void> owner_;  // the mapping, or the vector parse() was given
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

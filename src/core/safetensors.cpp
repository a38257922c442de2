#include "core/safetensors.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"

namespace guardian::core {
namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100u * 1024 * 1024;  // as the Hugging Face library
constexpr int kMaxJsonDepth = 32;                             // a valid header nests 3 deep

struct DTypeInfo {
  DType dtype;
  const char* name;
  std::size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kF64, "F64", 8}, {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2},
    {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4}, {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1},
    {DType::kU8, "U8", 1},   {DType::kBool, "BOOL", 1},
};

const DTypeInfo& info(DType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d;
  throw FormatError("unknown safetensors dtype enum value " + std::to_string(static_cast<int>(dtype)));
}

// Deeply nested JSON would exhaust the stack when destroyed; reject it before parsing.
bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// A JSON integer in [0, INT64_MAX], or nullopt.
std::optional<int64_t> non_negative_int(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<int64_t>();
    if (i < 0) return std::nullopt;
    return i;
  }
  return std::nullopt;
}

// numel * element size in bytes, or nullopt on a negative dim or overflow.
std::optional<std::uint64_t> byte_size(const std::vector<int64_t>& shape, std::size_t elem) {
  std::uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) return std::nullopt;
  }
  if (n > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(elem), &bytes)) return std::nullopt;
  return bytes;
}

}  // namespace

const char* dtype_name(DType dtype) { return info(dtype).name; }
std::size_t dtype_size(DType dtype) { return info(dtype).size; }

DType parse_dtype(const std::string& name) {
  for (const auto& d : kDTypes)
    if (name == d.name) return d.dtype;
  throw FormatError("unknown safetensors dtype \"" + name + "\"");
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {
std::atomic<LoadMode> g_load_mode{LoadMode::kMap};
}  // namespace

void set_load_mode(LoadMode mode) { g_load_mode = mode; }
LoadMode load_mode() { return g_load_mode; }

SafetensorsFile SafetensorsFile::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError("cannot read safetensors file " + path.string() + ": no such file");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open safetensors file " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError("cannot stat " + path.string() + ": " + std::strerror(err));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0 || load_mode() == LoadMode::kRead) {  // (an empty file cannot be mapped: parse says what is wrong)
    std::vector<std::byte> bytes(size);
    std::size_t done = 0;
    while (done < size) {
      const auto n = ::read(fd, bytes.data() + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : 0;
        ::close(fd);
        throw InputError("cannot read " + path.string() + ": " + (n < 0 ? std::strerror(err) : "short read"));
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return parse(std::move(bytes), path.string());
  }
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file open
  if (mapped == MAP_FAILED) throw InputError("cannot map " + path.string() + ": " + std::strerror(err));
  std::shared_ptr<const void> owner(mapped, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  return parse_bytes(owner, {static_cast<const std::byte*>(mapped), size}, path.string());
}

SafetensorsFile SafetensorsFile::parse(std::vector<std::byte> bytes, const std::string& where) {
  auto owned = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  const std::span<const std::byte> view(owned->data(), owned->size());
  return parse_bytes(std::move(owned), view, where);
}

SafetensorsFile SafetensorsFile::parse_bytes(std::shared_ptr<const void> owner, std::span<const std::byte> bytes,
                                             const std::string& where) {
  auto fail = [&](const std::string& what) { return FormatError(where + ": " + what); };
  if (bytes.size() < 8)
    throw fail("file is " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  if (header_len > kMaxHeaderBytes)
    throw fail("header length " + std::to_string(header_len) + " exceeds the 100 MiB limit");
  if (header_len > bytes.size() - 8)
    throw fail("header length " + std::to_string(header_len) + " runs past the end of the file (" +
               std::to_string(bytes.size()) + " bytes): truncated?");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + 8, header_len);
  if (!nesting_within(header, kMaxJsonDepth)) throw fail("header JSON nests too deeply");
  const nlohmann::json json = nlohmann::json::parse(header.begin(), header.end(), nullptr, false);
  if (json.is_discarded()) throw fail("header is not valid JSON");
  if (!json.is_object()) throw fail("header is not a JSON object");

  SafetensorsFile file;
  const std::uint64_t data_size = bytes.size() - 8 - header_len;
  struct Range {
    std::uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Range> ranges;
  std::vector<std::pair<std::string, std::uint64_t>> begins;
  for (const auto& [name, value] : json.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw fail("__metadata__ is not a JSON object");
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string()) throw fail("__metadata__ value for \"" + key + "\" is not a string");
        file.metadata_[key] = v.get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& what) { return fail("tensor \"" + name + "\": " + what); };
    if (!value.is_object()) throw bad("entry is not a JSON object");
    const auto dtype_it = value.find("dtype");
    const auto shape_it = value.find("shape");
    const auto offsets_it = value.find("data_offsets");
    if (dtype_it == value.end() || !dtype_it->is_string()) throw bad("missing string field \"dtype\"");
    if (shape_it == value.end() || !shape_it->is_array()) throw bad("missing array field \"shape\"");
    if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2)
      throw bad("missing field \"data_offsets\" (an array of two integers)");
    TensorView view;
    try {
      view.dtype = parse_dtype(dtype_it->get<std::string>());
    } catch (const FormatError& e) {
      throw bad(e.what());
    }
    for (const auto& dim : *shape_it) {
      const auto d = non_negative_int(dim);
      if (!d) throw bad("shape holds " + dim.dump() + ", not a non-negative integer");
      view.shape.push_back(*d);
    }
    const auto begin = non_negative_int((*offsets_it)[0]);
    const auto end = non_negative_int((*offsets_it)[1]);
    if (!begin || !end) throw bad("data_offsets are not non-negative integers");
    if (*begin > *end) throw bad("data_offsets begin " + std::to_string(*begin) + " > end " + std::to_string(*end));
    if (static_cast<std::uint64_t>(*end) > data_size)
      throw bad("data_offsets end " + std::to_string(*end) + " is past the data section (" +
                std::to_string(data_size) + " bytes): truncated?");
    const auto expected = byte_size(view.shape, dtype_size(view.dtype));
    if (!expected) throw bad("shape " + shape_it->dump() + " overflows");
    const std::uint64_t actual = static_cast<std::uint64_t>(*end - *begin);
    if (actual != *expected)
      throw bad("data_offsets cover " + std::to_string(actual) + " bytes but dtype and shape need " +
                std::to_string(*expected));
    view.data = std::span<const std::byte>(bytes.data() + 8 + header_len + *begin, actual);
    auto [it, inserted] = file.tensors_.emplace(name, std::move(view));
    if (!inserted) throw bad("listed twice");
    ranges.push_back({static_cast<std::uint64_t>(*begin), static_cast<std::uint64_t>(*end), &it->first});
  }
  // As the Hugging Face library: tensors tile the data section exactly, no gaps, no overlaps.
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t cursor = 0;
  for (const auto& r : ranges) {
    if (r.begin < cursor) throw fail("tensor \"" + *r.name + "\": data overlaps the previous tensor's");
    if (r.begin > cursor)
      throw fail("tensor \"" + *r.name + "\": data starts at " + std::to_string(r.begin) +
                 ", leaving a gap after byte " + std::to_string(cursor));
    cursor = r.end;
  }
  if (cursor != data_size)
    throw fail("data section is " + std::to_string(data_size) + " bytes but the tensors cover " +
               std::to_string(cursor));
  file.owner_ = std::move(owner);  // the bytes do not move: views stay valid
  return file;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& [name, view] : tensors_) out.push_back(name);
  return out;
}

bool SafetensorsFile::contains(const std::string& name) const { return tensors_.count(name) != 0; }

const TensorView& SafetensorsFile::get(const std::string& name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) throw FormatError("safetensors file has no tensor \"" + name + "\"");
  return it->second;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorToWrite*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const TensorToWrite& t = *sorted[i];
    const std::string where = path.string() + ": tensor \"" + t.name + "\": ";
    if (t.name.empty() || t.name == "__metadata__") throw InputError(where + "invalid tensor name");
    if (i > 0 && sorted[i - 1]->name == t.name) throw InputError(where + "given twice");
    const auto expected = byte_size(t.shape, dtype_size(t.dtype));
    if (!expected) throw InputError(where + "shape has a negative dim or overflows");
    if (t.nbytes != *expected)
      throw InputError(where + "has " + std::to_string(t.nbytes) + " bytes but dtype and shape need " +
                       std::to_string(*expected));
    if (t.nbytes > 0 && t.data == nullptr) throw InputError(where + "data is null");
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.nbytes}}};
    offset += t.nbytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // as the Hugging Face library: 8-byte aligned data
  char len[8];
  std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i, n >>= 8) len[i] = static_cast<char>(n & 0xff);
  AtomicFile out(path);
  out.write(len, 8);
  out.write(json);
  for (const TensorToWrite* t : sorted) out.write(t->data, t->nbytes);
  out.commit();
}

}  // namespace guardian::core

// Filesystem helpers: whole-file reads, crash-safe writes (temp file + fsync + rename), and where
// guardian finds its data sets and built-in configs.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace guardian::core {

// The whole file as bytes; InputError naming the path if it is missing or unreadable.
std::string read_file(const std::filesystem::path& path);

// Writes bytes to a temporary file beside path, fsyncs it, then renames it over path.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// A file written piecewise to a temporary beside its target; commit() fsyncs and renames.
// Destroying it without commit() removes the temporary and leaves the target untouched.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  int fd_ = -1;
};

// The data shelf: the folder set_data_root named, else the first `shared/data` folder holding
// MANIFEST.md found beside an ancestor of the current directory or of the executable. InputError
// if none, or if the named folder is not a directory.
std::filesystem::path data_root();
// Names the data shelf for the whole process (the CLI passes $GUARDIAN_DATA); `source` names where
// the path came from in errors ("GUARDIAN_DATA"). An empty path goes back to looking for it.
void set_data_root(const std::filesystem::path& root, const std::string& source);

// Built-in configs: the folder set_config_dir named, else the repository's configs/ folder fixed
// at build time.
std::filesystem::path config_dir();
void set_config_dir(const std::filesystem::path& dir);  // the CLI passes $GUARDIAN_CONFIGS

}  // namespace guardian::core

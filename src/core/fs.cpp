#include "core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include "core/error.h"

namespace guardian::core {
namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// A name unique among concurrent writers in this and other processes.
fs::path temp_path_for(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  std::ostringstream name;
  name << "." << path.filename().string() << ".tmp." << ::getpid() << "." << counter++;
  return path.parent_path() / name.str();
}

std::optional<fs::path> find_shared_data_above(fs::path dir) {
  std::error_code ec;
  dir = fs::weakly_canonical(dir, ec);
  if (ec) return std::nullopt;
  while (true) {
    fs::path candidate = dir / "shared" / "data";
    if (fs::is_regular_file(candidate / "MANIFEST.md", ec)) return candidate;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

}  // namespace

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError("cannot read " + path.string() + ": no such file");
  if (fs::is_directory(path, ec)) throw InputError("cannot read " + path.string() + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open " + path.string() + ": " + errno_text());
  std::string bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > 0) {
    bytes.resize(static_cast<std::size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(bytes.data(), size);
    if (in.gcount() != size) throw InputError("cannot read " + path.string() + ": short read");
  } else {
    // Size unknown (a pipe or /proc file): read to the end.
    in.clear();
    in.seekg(0, std::ios::beg);
    std::ostringstream all;
    all << in.rdbuf();
    bytes = all.str();
  }
  return bytes;
}

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)), temp_(temp_path_for(path_)) {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError("cannot create " + temp_.string() + ": " + errno_text());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw InputError("write to " + path_.string() + " after commit");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot write " + temp_.string() + ": " + errno_text());
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw InputError("commit of " + path_.string() + " twice");
  if (::fsync(fd_) != 0) throw InputError("cannot fsync " + temp_.string() + ": " + errno_text());
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    std::error_code ec;
    fs::remove(temp_, ec);
    throw InputError("cannot close " + temp_.string() + ": " + errno_text());
  }
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) {
    fs::remove(temp_, ec);
    throw InputError("cannot rename " + temp_.string() + " to " + path_.string() + ": " + ec.message());
  }
  // Make the rename itself durable.
  const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

fs::path data_root() {
  if (const char* env = std::getenv("GUARDIAN_DATA"); env != nullptr && *env != '\0') {
    fs::path root(env);
    std::error_code ec;
    if (!fs::is_directory(root, ec))
      throw InputError("GUARDIAN_DATA=" + root.string() + " is not a directory");
    return root;
  }
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec) {
    if (auto found = find_shared_data_above(cwd)) return *found;
  }
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    if (auto found = find_shared_data_above(exe.parent_path())) return *found;
  }
  throw InputError(
      "cannot find the data folder: no shared/data/MANIFEST.md above the current directory or the "
      "executable; set GUARDIAN_DATA to the data folder");
}

fs::path config_dir() {
  if (const char* env = std::getenv("GUARDIAN_CONFIGS"); env != nullptr && *env != '\0') return fs::path(env);
#ifdef GUARDIAN_CONFIG_DIR
  return fs::path(GUARDIAN_CONFIG_DIR);
#else
  throw ConfigError("no config folder: set GUARDIAN_CONFIGS");
#endif
}

}  // namespace guardian::core

#include "core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
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

namespace {

// Where the process was told its folders are (set once at start by the CLI; empty: not told).
struct Locations {
  std::mutex mutex;
  fs::path data_root;
  std::string data_root_source;
  fs::path config_dir;
};

Locations& locations() {
  static Locations l;
  return l;
}

}  // namespace

void set_data_root(const fs::path& root, const std::string& source) {
  auto& l = locations();
  std::lock_guard lock(l.mutex);
  l.data_root = root;
  l.data_root_source = source;
}

void set_config_dir(const fs::path& dir) {
  auto& l = locations();
  std::lock_guard lock(l.mutex);
  l.config_dir = dir;
}

fs::path data_root() {
  fs::path named;
  std::string source;
  {
    auto& l = locations();
    std::lock_guard lock(l.mutex);
    named = l.data_root;
    source = l.data_root_source;
  }
  if (!named.empty()) {
    std::error_code ec;
    if (!fs::is_directory(named, ec)) throw InputError(source + "=" + named.string() + " is not a directory");
    return named;
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
  {
    auto& l = locations();
    std::lock_guard lock(l.mutex);
    if (!l.config_dir.empty()) return l.config_dir;
  }
#ifdef GUARDIAN_CONFIG_DIR
  return fs::path(GUARDIAN_CONFIG_DIR);
#else
  throw ConfigError("no config folder: set GUARDIAN_CONFIGS");  // a build without its configs/
#endif
}

}  // namespace guardian::core

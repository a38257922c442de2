#include "text/spm_backend.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/error.h"

namespace guardian::text {

namespace {

std::string& named_plugin() {
  static std::string path;  // set once at start, before the first tokenizer loads
  return path;
}

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (!named_plugin().empty()) out.push_back(named_plugin());
#ifdef GUARDIAN_SPM_PLUGIN_PATH
  out.push_back(GUARDIAN_SPM_PLUGIN_PATH);
#endif
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path().parent_path() / "lib" / "libguardian_spm.so").string());
  return out;
}

// RTLD_DEEPBIND keeps the plugin's bundled protobuf-lite apart from libtorch's libprotobuf.
// AddressSanitizer refuses deep binding (its interceptors must win every symbol lookup); a sanitized
// build holds only the torch-free modules, with no libprotobuf to keep apart, so it binds normally.
#ifdef __SANITIZE_ADDRESS__
constexpr int kPluginOpenFlags = RTLD_NOW | RTLD_LOCAL;
#else
constexpr int kPluginOpenFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif

SpmBackend* load_backend() {
  std::string tried;
  for (const auto& path : candidates()) {
    void* handle = dlopen(path.c_str(), kPluginOpenFlags);
    if (!handle) {
      tried += "\n  " + path + ": " + dlerror();
      continue;
    }
    auto* factory = reinterpret_cast<SpmBackend* (*)()>(dlsym(handle, "guardian_spm_backend"));
    if (factory) return factory();
    tried += "\n  " + path + ": no guardian_spm_backend symbol";
  }
  throw UnsupportedError("the SentencePiece plugin libguardian_spm.so could not be loaded (set GUARDIAN_SPM_PLUGIN to its path):" +
                         tried);
}

}  // namespace

SpmBackend& spm_backend() {
  static std::once_flag once;
  static SpmBackend* backend = nullptr;
  std::call_once(once, [] { backend = load_backend(); });
  return *backend;
}

void set_spm_plugin_path(const std::string& path) { named_plugin() = path; }

}  // namespace guardian::text

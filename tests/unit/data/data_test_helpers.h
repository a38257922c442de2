// Shared helpers for the data module's tests: a scratch folder for fixture files and cards, the
// built-in policies, and the shelf (skipping when it is absent).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>

#include "core/error.h"
#include "core/fs.h"
#include "data/card.h"
#include "data/reader.h"
#include "policy/policy.h"

#include "../core/test_helpers.h"

namespace guardian::data::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed when the object goes away.
class Scratch {
 public:
  Scratch() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("guardian-data-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  // Writes bytes to path()/name and returns the full path.
  fs::path write(const std::string& name, const std::string& bytes) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << bytes;
    return p;
  }
  // Writes a card and loads it by path.
  Card card(const std::string& name, const std::string& toml) const { return load_card(write(name, toml).string()); }

 private:
  fs::path path_;
};

inline policy::Policy builtin_policy(const std::string& name) {
  return policy::Policy::load(core::config_dir() / "policies" / (name + ".toml"));
}

// The shelf, or nullopt when it is absent (a test that needs it then fails).
inline std::optional<fs::path> shelf() {
  try {
    fs::path root = core::data_root();
    if (fs::exists(root / "MANIFEST.md")) return root;
  } catch (const Error&) {
  }
  return std::nullopt;
}

using guardian::test::error_of;

}  // namespace guardian::data::test

#define GUARDIAN_REQUIRE_SHELF(var)                                          \
  const auto var##_opt = ::guardian::data::test::shelf();                    \
  if (!var##_opt) FAIL() << "no data shelf (set GUARDIAN_DATA)";            \
  const std::filesystem::path var = *var##_opt

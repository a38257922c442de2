// Shared helpers for the serve module's tests: a scratch folder (the core tests' TempDir) that
// writes fixture files, and error_of (the message of an expected error).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../core/test_helpers.h"

namespace guardian::serve::test {

class Scratch : public guardian::test::TempDir {
 public:
  // Writes bytes to path()/name and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& bytes) const {
    const auto p = path() / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

using guardian::test::error_of;

}  // namespace guardian::serve::test

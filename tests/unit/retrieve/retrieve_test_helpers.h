// Shared by the retrieval tests: a scratch folder with a helper to write documents into it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../core/test_helpers.h"

namespace guardian::retrieve::test {

namespace fs = std::filesystem;
using guardian::test::error_of;
using guardian::test::TempDir;

// Writes text to dir/name (creating folders) and returns the path.
inline fs::path write_doc(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path path = dir / name;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace guardian::retrieve::test

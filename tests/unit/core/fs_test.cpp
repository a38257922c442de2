#include "core/fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "core/error.h"
#include "test_helpers.h"

namespace guardian::core {
namespace {

// Changes the working directory for one test.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::filesystem::path& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~ScopedCwd() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

TEST(Fs, ReadFileReturnsAllBytes) {
  test::TempDir dir;
  const std::string bytes("a\0b\xff\nend", 8);
  { std::ofstream(dir / "f", std::ios::binary) << bytes; }
  EXPECT_EQ(read_file(dir / "f"), bytes);
}

TEST(Fs, ReadMissingFileNamesThePath) {
  test::TempDir dir;
  try {
    read_file(dir / "nothing.txt");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing.txt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_file(dir.path()), InputError);
}

TEST(Fs, WriteFileAtomicReplacesAndLeavesNoTemporaries) {
  test::TempDir dir;
  write_file_atomic(dir / "out.bin", "first");
  write_file_atomic(dir / "out.bin", std::string_view("second\0x", 8));
  EXPECT_EQ(read_file(dir / "out.bin"), std::string("second\0x", 8));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "out.bin");
  }
  EXPECT_EQ(files, 1);
}

TEST(Fs, UncommittedAtomicFileLeavesTargetUntouched) {
  test::TempDir dir;
  write_file_atomic(dir / "keep", "old");
  {
    AtomicFile f(dir / "keep");
    f.write("new and partial");
  }
  EXPECT_EQ(read_file(dir / "keep"), "old");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += 1 + 0 * e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(Fs, WriteIntoMissingDirectoryIsInputError) {
  test::TempDir dir;
  EXPECT_THROW(write_file_atomic(dir / "no" / "such" / "dir" / "f", "x"), InputError);
}

TEST(Fs, DataRootAsNamed) {
  test::TempDir dir;
  set_data_root(dir.path(), "GUARDIAN_DATA");
  EXPECT_EQ(data_root(), dir.path());
  set_data_root({}, "");
}

TEST(Fs, ANamedDataRootMustBeADirectoryAndTheErrorSaysWhoNamedIt) {
  test::TempDir dir;
  const auto missing = dir / "missing";
  set_data_root(missing, "GUARDIAN_DATA");
  try {
    data_root();
    FAIL() << "a missing folder was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "GUARDIAN_DATA=" + missing.string() + " is not a directory");
  }
  set_data_root({}, "");
}

TEST(Fs, DataRootFoundAboveTheCurrentDirectory) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "shared" / "data");
  { std::ofstream(dir / "shared" / "data" / "MANIFEST.md") << "# data\n"; }
  std::filesystem::create_directories(dir / "repo" / "build" / "deep");
  ScopedCwd cwd(dir / "repo" / "build" / "deep");
  EXPECT_EQ(std::filesystem::canonical(data_root()), std::filesystem::canonical(dir / "shared" / "data"));
}

TEST(Fs, DataRootErrorTellsToSetTheVariable) {
  // Only meaningful when nothing above the temp dir or the test binary has shared/data.
  test::TempDir dir;
  ScopedCwd cwd(dir.path());
  try {
    const auto found = data_root();
    // Found through the executable's directory (the test binary lives under the repo).
    EXPECT_TRUE(std::filesystem::exists(found / "MANIFEST.md"));
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("GUARDIAN_DATA"), std::string::npos) << e.what();
  }
}

TEST(Fs, ConfigDirAsNamedElseBuildTime) {
  set_config_dir("/some/configs");
  EXPECT_EQ(config_dir(), std::filesystem::path("/some/configs"));
  set_config_dir({});
  EXPECT_EQ(config_dir(), std::filesystem::path(GUARDIAN_SOURCE_DIR) / "configs");
}

}  // namespace
}  // namespace guardian::core

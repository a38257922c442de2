// JSON documents on disk: a round trip, and errors that name the file.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/json_file.h"
#include "test_helpers.h"

namespace guardian::core {
namespace {

TEST(JsonFile, RoundTripsAndLeavesNoTemporaryBeside) {
  test::TempDir dir;
  const nlohmann::json value = {{"kind", "ngram"}, {"levels", {2, 3}}, {"name", "모델"}};
  write_json_file(dir / "config.json", value);
  EXPECT_EQ(read_json_file(dir / "config.json"), value);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(JsonFile, AMissingFileIsAnInputErrorAndBrokenJsonAFormatErrorNamingIt) {
  test::TempDir dir;
  EXPECT_THROW(read_json_file(dir / "none.json"), InputError);
  write_file_atomic(dir / "broken.json", "{\"kind\": ");
  try {
    read_json_file(dir / "broken.json");
    FAIL() << "broken JSON was read";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "broken.json").string() + ": not valid JSON", 0), 0u) << e.what();
  }
}

// nlohmann refuses a number no double holds with out_of_range, not parse_error: still a FormatError.
TEST(JsonFile, ANumberPastTheRangeOfADoubleIsAFormatErrorNamingTheFile) {
  test::TempDir dir;
  write_file_atomic(dir / "huge.json", "{\"hidden_size\": 1e999}");
  const auto message = test::error_of<FormatError>([&] { read_json_file(dir / "huge.json"); });
  EXPECT_EQ(message.rfind((dir / "huge.json").string() + ": not valid JSON", 0), 0u) << message;
}

}  // namespace
}  // namespace guardian::core

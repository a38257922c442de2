#include "core/json_lines.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/error.h"

namespace guardian::core {
namespace {

TEST(JsonLines, YieldsValuesWithLineNumbersSkippingBlankLines) {
  std::istringstream in("\xEF\xBB\xBF{\"a\":1}\r\n\n  \n[1,2]\n\"last\"");
  JsonLinesReader reader(in, "x.jsonl");
  JsonLine line;
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line.line_number, 1);
  EXPECT_EQ(line.value["a"], 1);
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line.line_number, 4);
  EXPECT_EQ(line.value.size(), 2u);
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line.line_number, 5);
  EXPECT_EQ(line.value, "last");
  EXPECT_FALSE(reader.next(line));
  EXPECT_FALSE(reader.next(line));
}

TEST(JsonLines, MalformedLineNamesWhereAndLine) {
  std::istringstream in("{\"ok\":true}\n{\"broken\":\n");
  JsonLinesReader reader(in, "data/train.jsonl");
  JsonLine line;
  ASSERT_TRUE(reader.next(line));
  try {
    reader.next(line);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("data/train.jsonl:2: ", 0), 0u) << e.what();
  }
}

TEST(JsonLines, OverlongLineIsAnError) {
  std::istringstream in("[1]\n\"" + std::string(100, 'x') + "\"\n");
  JsonLinesReader reader(in, "big.jsonl", 50);
  JsonLine line;
  ASSERT_TRUE(reader.next(line));
  EXPECT_THROW(reader.next(line), InputError);
}

TEST(JsonLines, EmptyInputHasNoLines) {
  std::istringstream in("");
  JsonLinesReader reader(in, "e");
  JsonLine line;
  EXPECT_FALSE(reader.next(line));
}

}  // namespace
}  // namespace guardian::core

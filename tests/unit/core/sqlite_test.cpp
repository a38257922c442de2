// The SQLite layer: statements bind and read back every type, finalise themselves, and errors
// carry the name their user gave.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/sqlite.h"

namespace guardian::core::sqlite {
namespace {

class Memory : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override { sqlite3_close(db_); }
  sqlite3* db_ = nullptr;
};

TEST_F(Memory, BindsAndReadsBackTextIntegersRealsAndNull) {
  exec(db_, "CREATE TABLE t(s TEXT, i INTEGER, r REAL, n TEXT);", "test db");
  Statement insert(db_, "INSERT INTO t VALUES(?,?,?,?)");
  insert.bind(1, std::string("안녕 \0 there", 14)).bind(2, int64_t{1} << 40).bind(3, 0.25).bind_null(4);
  EXPECT_FALSE(insert.step());
  Statement select(db_, "SELECT s, i, r, n FROM t");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.text(0), std::string("안녕 \0 there", 14)) << "text with a NUL byte survives";
  EXPECT_EQ(select.integer(1), int64_t{1} << 40);
  EXPECT_EQ(select.real(2), 0.25);
  EXPECT_TRUE(select.is_null(3));
  EXPECT_FALSE(select.step());
}

TEST_F(Memory, ErrorsAreFormatErrorsPrefixedByWhere) {
  try {
    Statement bad(db_, "SELEC nothing", "the index");
    FAIL() << "a broken statement was prepared";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("the index: cannot prepare statement: ", 0), 0u) << e.what();
  }
  try {
    exec(db_, "CREATE TABLE t(a); CREATE TABLE t(a);", "the index");
    FAIL() << "a second table of the same name was created";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "the index: table t already exists");
  }
  exec(db_, "CREATE TABLE u(a UNIQUE);", "x");
  Statement insert(db_, "INSERT INTO u VALUES(1)", "the index");
  EXPECT_FALSE(insert.step());
  insert.reset();
  EXPECT_THROW(insert.step(), FormatError) << "a constraint broken at step";
}

}  // namespace
}  // namespace guardian::core::sqlite

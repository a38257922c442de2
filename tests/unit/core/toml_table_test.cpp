// The one TOML reader: typed gets, defaults kept for missing keys, unknown keys refused, and the
// file and line in every error.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/toml_table.h"
#include "test_helpers.h"

namespace guardian::core {
namespace {

using test::error_of;

TEST(TomlTable, ReadsEachTypeAndKeepsTheDefaultOfAMissingKey) {
  const auto root = parse_toml("[t]\ns = \"a\"\nb = true\ni = 3\nd = 2\nv = [\"x\", \"y\"]\nn = [1, 2.5]\n", "f.toml");
  TomlTable t(root["t"].as_table(), "f.toml", "t");
  std::string s;
  bool b = false;
  int i = 0;
  int64_t missing = 7;
  double d = 0;
  std::vector<std::string> v;
  std::vector<double> n;
  t.get("s", s);
  t.get("b", b);
  t.get("i", i);
  t.get("d", d);
  t.get("v", v);
  t.get("n", n);
  t.get("missing", missing);
  t.finish();
  EXPECT_EQ(s, "a");
  EXPECT_TRUE(b);
  EXPECT_EQ(i, 3);
  EXPECT_EQ(d, 2.0) << "an integer reads as a number";
  EXPECT_EQ(v, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(n, (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(missing, 7);
}

TEST(TomlTable, OptionalsAreSetOnlyWhenPresentAndTablesOfNumbersRead) {
  const auto root = parse_toml("[t]\no = 0.25\nm = { ko = 1.5, en = -2 }\n", "f.toml");
  TomlTable t(root["t"].as_table(), "f.toml", "t");
  std::optional<double> present, absent;
  std::map<std::string, double> numbers;
  t.get("o", present);
  t.get("gone", absent);
  t.get("m", numbers);
  t.finish();
  ASSERT_TRUE(present.has_value());
  EXPECT_EQ(*present, 0.25);
  EXPECT_FALSE(absent.has_value());
  EXPECT_EQ(numbers, (std::map<std::string, double>{{"en", -2.0}, {"ko", 1.5}}));

  const auto bad = parse_toml("[t]\nm = { ko = \"x\" }\nn = 3\n", "g.toml");
  TomlTable u(bad["t"].as_table(), "g.toml", "t");
  std::map<std::string, double> m, n;
  EXPECT_EQ(error_of<ConfigError>([&] { u.get("m", m); }), "g.toml:2: 't.m.ko' must be a number");
  EXPECT_EQ(error_of<ConfigError>([&] { u.get("n", n); }), "g.toml:3: 't.n' must be a table of numbers such as { ko = 1.2 }");
}

TEST(TomlTable, ArraysOfTablesAndKeysReadByTheCaller) {
  const auto root = parse_toml("x = { a = 1 }\n[[c]]\nname = \"one\"\n[[c]]\nname = \"two\"\n", "f.toml");
  TomlTable top(&root, "f.toml", "");
  const auto tables = top.tables("c");
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(TomlTable(tables[1], "f.toml", "c").at(), "f.toml:4");
  const toml::node* x = top.node("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(top.at(*x), "f.toml:1");
  EXPECT_EQ(top.node("absent"), nullptr);
  top.finish();  // both keys were read

  const auto plain = parse_toml("[c]\nname = \"one\"\n", "g.toml");
  TomlTable p(&plain, "g.toml", "");
  EXPECT_EQ(error_of<ConfigError>([&] { p.tables("c"); }), "g.toml:1: 'c' must be [[c]] tables");
}

TEST(TomlTable, ErrorsNameTheFileTheLineAndTheQualifiedKey) {
  const auto root = parse_toml("top = 1\n[t]\ni = 1.5\nb = \"yes\"\nv = [1]\nn = []\nextra = 2\n[t.sub]\n", "f.toml");
  const auto* table = root["t"].as_table();
  EXPECT_EQ(error_of<ConfigError>([&] { int i; TomlTable(table, "f.toml", "t").get("i", i); }), "f.toml:3: 't.i' must be an integer");
  EXPECT_EQ(error_of<ConfigError>([&] { bool b; TomlTable(table, "f.toml", "t").get("b", b); }), "f.toml:4: 't.b' must be true or false");
  EXPECT_EQ(error_of<ConfigError>([&] { std::vector<std::string> v; TomlTable(table, "f.toml", "t").get("v", v); }),
            "f.toml:5: 't.v' must be an array of strings");
  EXPECT_EQ(error_of<ConfigError>([&] { std::vector<double> n; TomlTable(table, "f.toml", "t").get("n", n); }),
            "f.toml:6: 't.n' must be a non-empty array of numbers");
  TomlTable t(table, "f.toml", "t");
  int i = 0;
  error_of<ConfigError>([&] { t.get("i", i); });
  EXPECT_EQ(error_of<ConfigError>([&] { t.finish({"sub"}); }), "f.toml:4: unknown key 't.b'") << "the first key never asked for";
  TomlTable top(&root, "f.toml", "");
  EXPECT_EQ(error_of<ConfigError>([&] { top.finish({"t"}); }), "f.toml:1: unknown key 'top'") << "no section prefix at the top";
}

TEST(TomlTable, IntegersMustFitTheirTypeAndCountsCannotBeNegative) {
  const auto root = parse_toml("[t]\nbytes = -1\nbig = 3000000000\nok = 7\nf = 0.5\n", "f.toml");
  const auto* table = root["t"].as_table();
  EXPECT_EQ(error_of<ConfigError>([&] { size_t n; TomlTable(table, "f.toml", "t").get("bytes", n); }), "f.toml:2: 't.bytes' must be >= 0");
  EXPECT_EQ(error_of<ConfigError>([&] { int n; TomlTable(table, "f.toml", "t").get("big", n); }), "f.toml:3: 't.big' is out of range");
  TomlTable t(table, "f.toml", "t");
  size_t ok = 0;
  int64_t big = 0;
  float f = 0;
  t.get("ok", ok);
  t.get("big", big);
  t.get("f", f);
  EXPECT_EQ(ok, 7u);
  EXPECT_EQ(big, 3000000000);
  EXPECT_EQ(f, 0.5f);
}

TEST(TomlTable, AnAbsentTableReadsAsEmptyAndASyntaxErrorNamesItsLine) {
  TomlTable none(nullptr, "f.toml", "t");
  int i = 5;
  none.get("i", i);
  none.finish();
  EXPECT_EQ(i, 5);
  EXPECT_EQ(error_of<ConfigError>([] { parse_toml("a = 1\nb = = 2\n", "g.toml"); }).rfind("g.toml:2: ", 0), 0u);
}

}  // namespace
}  // namespace guardian::core

// Policy files: every built-in policy parses, validates and round-trips through to_toml; each bad
// input is a ConfigError naming the file and the line or key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fs.h"
#include "policy/policy.h"

namespace guardian::policy {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kBuiltIn = {"beep-bias", "beep-hate", "binary", "cascade", "default", "openai", "unsmile"};

fs::path builtin(const std::string& name) { return core::config_dir() / "policies" / (name + ".toml"); }

// The message of the ConfigError that parsing `text` throws ("" when it does not throw).
std::string parse_error(const std::string& text, const std::string& where = "bad.toml") {
  try {
    Policy::parse(text, where);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for:\n" << text;
  return "";
}

void expect_same(const Policy& a, const Policy& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.gate, b.gate);
  EXPECT_EQ(a.reference_data, b.reference_data);
  EXPECT_EQ(a.reference_rows, b.reference_rows);
  EXPECT_EQ(a.reference_language_rows, b.reference_language_rows);
  ASSERT_EQ(a.categories.size(), b.categories.size());
  for (size_t i = 0; i < a.categories.size(); ++i) {
    const auto& x = a.categories[i];
    const auto& y = b.categories[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.description, y.description);
    EXPECT_EQ(x.levels, y.levels);
    EXPECT_DOUBLE_EQ(x.threshold, y.threshold);
    EXPECT_DOUBLE_EQ(x.temperature, y.temperature);
    EXPECT_EQ(x.offset, y.offset);
    EXPECT_EQ(x.decides, y.decides);
    EXPECT_EQ(x.trained, y.trained);
    EXPECT_EQ(x.score_at_level0, y.score_at_level0);
    EXPECT_EQ(x.reference_share, y.reference_share);
    EXPECT_EQ(x.reference_threshold, y.reference_threshold);
    EXPECT_EQ(x.language_offset, y.language_offset);
    EXPECT_EQ(x.reference_language_share, y.reference_language_share);
  }
}

const char* kMinimal = R"(name = "p"
version = "3"

[[category]]
name = "hate"
levels = ["none", "hate"]
)";

TEST(PolicyParse, EveryBuiltInPolicyLoadsValidatesAndRoundTrips) {
  for (const auto& name : kBuiltIn) {
    SCOPED_TRACE(name);
    const Policy p = Policy::load(builtin(name));
    EXPECT_EQ(p.name, name);
    EXPECT_FALSE(p.categories.empty());
    EXPECT_NO_THROW(p.validate());
    const Policy again = Policy::parse(p.to_toml(), name + " (round trip)");
    expect_same(p, again);
    EXPECT_EQ(again.to_toml(), p.to_toml());
  }
}

TEST(PolicyParse, EveryPolicyFileInTheFolderIsCoveredAndDocumented) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(core::config_dir() / "policies")) {
    if (entry.path().extension() == ".toml") found.push_back(entry.path().stem().string());
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, kBuiltIn);
  const std::string readme = core::read_file(core::config_dir() / "policies" / "README.md");
  for (const auto& name : kBuiltIn) EXPECT_NE(readme.find("`" + name + ".toml`"), std::string::npos) << name;
}

TEST(PolicyParse, BuiltInPoliciesHaveTheDocumentedShape) {
  const Policy d = Policy::load(builtin("default"));
  ASSERT_EQ(d.categories.size(), 7u);
  EXPECT_EQ(d.index_of("adult"), 0);
  EXPECT_EQ(d.index_of("general"), 6);
  EXPECT_EQ(d.index_of("nope"), -1);
  const auto& general = d.categories[6];
  EXPECT_FALSE(general.decides);
  EXPECT_EQ(general.score_at_level0, 5);
  EXPECT_EQ(general.levels.size(), 5u);
  EXPECT_EQ(d.categories[0].levels, (std::vector<std::string>{"none", "mild", "severe"}));
  EXPECT_DOUBLE_EQ(d.categories[0].temperature, 1.0);  // the default

  const Policy c = Policy::load(builtin("cascade"));
  ASSERT_TRUE(c.gate.has_value());
  EXPECT_EQ(*c.gate, "toxic");
  EXPECT_FALSE(c.categories[c.index_of("toxic")].decides);
  EXPECT_DOUBLE_EQ(c.categories[c.index_of("hate")].threshold, 0.5);  // default threshold

  const Policy u = Policy::load(builtin("unsmile"));
  EXPECT_EQ(u.categories.size(), 11u);
  EXPECT_EQ(u.categories[0].description, "여성/가족");
  EXPECT_FALSE(u.categories[u.index_of("clean")].decides);
}

TEST(PolicyParse, DefaultsWhenOptionalKeysAreAbsent) {
  const Policy p = Policy::parse("name = \"p\"\n[[category]]\nname = \"x\"\nlevels = [\"a\", \"b\"]\n", "min.toml");
  EXPECT_EQ(p.version, "1");
  EXPECT_EQ(p.description, "");
  EXPECT_FALSE(p.gate.has_value());
  ASSERT_EQ(p.categories.size(), 1u);
  EXPECT_DOUBLE_EQ(p.categories[0].threshold, 0.5);
  EXPECT_DOUBLE_EQ(p.categories[0].temperature, 1.0);
  EXPECT_TRUE(p.categories[0].decides);
  EXPECT_TRUE(p.categories[0].trained);
  EXPECT_FALSE(p.categories[0].score_at_level0.has_value());
}

TEST(PolicyParse, AnUntrainedCategoryRoundTripsAndCannotDecideOrGate) {
  Policy p = Policy::parse(std::string(kMinimal) + "decides = false\ntrained = false\n", "u.toml");
  EXPECT_FALSE(p.categories[0].trained);
  EXPECT_NE(p.to_toml().find("trained = false"), std::string::npos);
  expect_same(p, Policy::parse(p.to_toml(), "rt.toml"));
  p.categories[0].trained = true;  // the usual case writes nothing
  EXPECT_EQ(p.to_toml().find("trained"), std::string::npos);

  std::string m = parse_error(std::string(kMinimal) + "trained = false\n");  // decides defaults to true
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("'hate' is untrained"), std::string::npos) << m;
  m = parse_error("name = \"p\"\ngate = \"toxic\"\n[[category]]\nname = \"toxic\"\nlevels = [\"a\", \"b\"]\n"
                  "decides = false\ntrained = false\n");
  EXPECT_NE(m.find("'toxic' is untrained"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal) + "trained = \"no\"\n");
  EXPECT_NE(m.find("trained"), std::string::npos) << m;
}

TEST(PolicyParse, RoundTripKeepsEveryFieldIncludingAwkwardValues) {
  Policy p;
  p.name = "weird \"name\"";
  p.version = "7";
  p.description = "tab\there, 한국어, back\\slash";
  Category a{"a", "first", {"none", "yes"}, 0.1, 0.7, true, std::nullopt};
  Category b{"b", "", {"5", "4", "3", "2", "1"}, 1.0, 3.0, false, 5};
  Category g{"gate", "", {"clean", "toxic"}, 0.123456789012345, 2.5, false, std::nullopt};
  p.categories = {a, b, g};
  p.gate = "gate";
  ASSERT_NO_THROW(p.validate());
  expect_same(p, Policy::parse(p.to_toml(), "rt.toml"));
}

TEST(PolicyParse, ReferenceSharesRoundTripAndAreOptional) {
  Policy p = Policy::parse(kMinimal, "min.toml");
  EXPECT_EQ(p.reference_data, "");
  EXPECT_EQ(p.reference_rows, 0);
  EXPECT_FALSE(p.categories[0].reference_share.has_value());
  EXPECT_EQ(p.to_toml().find("reference"), std::string::npos);  // nothing measured, nothing written

  p.reference_data = "validation: beep:train[90%:]";
  p.reference_rows = 970;
  p.categories[0].reference_share = 0.0;  // a measured zero is kept, not dropped
  const Policy q = Policy::parse(p.to_toml(), "rt.toml");
  expect_same(p, q);
  ASSERT_TRUE(q.categories[0].reference_share.has_value());
  EXPECT_EQ(*q.categories[0].reference_share, 0.0);
  p.categories[0].reference_share = 0.123456789012345;
  expect_same(p, Policy::parse(p.to_toml(), "rt.toml"));
  // The threshold it was measured at round-trips exactly, so a saved policy's reference stays live.
  p.categories[0].threshold = 0.82602223662934271;
  p.categories[0].reference_threshold = p.categories[0].threshold;
  const Policy r = Policy::parse(p.to_toml(), "rt.toml");
  expect_same(p, r);
  EXPECT_FALSE(r.categories[0].stale_reference());
  EXPECT_EQ(r.categories[0].live_reference(), 0.123456789012345);
}

TEST(PolicyParse, TheCategoryOffsetRoundTripsExactlyAndAddsToTheLanguages) {
  Policy p = Policy::parse(std::string(kMinimal) + "offset = -0.67613417254810012\nlanguage_offset = { ko = 1 }\n", "o.toml");
  const auto& c = p.categories[0];
  EXPECT_EQ(c.offset, -0.67613417254810012);
  EXPECT_EQ(c.offset_for("en"), -0.67613417254810012);
  EXPECT_EQ(c.offset_for("ko"), -0.67613417254810012 + 1.0);
  expect_same(p, Policy::parse(p.to_toml(), "rt.toml"));
  p.categories[0].offset = 0.0;  // none written when there is none
  EXPECT_EQ(p.to_toml().find("\noffset"), std::string::npos);
  EXPECT_NE(parse_error(std::string(kMinimal) + "offset = 21\n").find("offset must be in [-20, 20]"), std::string::npos);
  EXPECT_NE(parse_error(std::string(kMinimal) + "offset = \"a\"\n").find("offset"), std::string::npos);
}

TEST(PolicyParse, LanguageOffsetsRoundTripExactly) {
  Policy p = Policy::parse(std::string(kMinimal) + "language_offset = { ko = 0.7614197358855579, en = -1 }\n", "lo.toml");
  const auto& c = p.categories[0];
  ASSERT_EQ(c.language_offset.size(), 2u);
  EXPECT_EQ(c.offset_for("ko"), 0.7614197358855579);
  EXPECT_EQ(c.offset_for("en"), -1.0);  // an integer is a number too
  EXPECT_EQ(c.offset_for("unknown"), 0.0);
  expect_same(p, Policy::parse(p.to_toml(), "rt.toml"));
  p.categories[0].language_offset.clear();  // none written when there are none
  EXPECT_EQ(p.to_toml().find("language_offset"), std::string::npos);
}

TEST(PolicyParse, TheReferenceExpectedOfALanguageMix) {
  Policy p = Policy::parse(std::string(kMinimal).insert(std::string(kMinimal).find("\n[[category]]"),
                                                        "\nreference_rows = 1000\nreference_language_rows = { en = 800, ko = 200 }") +
                               "reference_share = 0.1\nreference_language_share = { en = 0.2, ko = 0.02 }\n",
                           "mix.toml");
  expect_same(p, Policy::parse(p.to_toml(), "rt.toml"));
  // Share: the mix of the languages' shares. Rows: share (1 - share) / the mix's variance, each
  // language's share measured on its own rows (worked by hand below).
  auto e = p.expected_reference(0, {{"en", 30}, {"ko", 70}});
  ASSERT_TRUE(e.has_value());
  const double share = (30 * 0.2 + 70 * 0.02) / 100.0;  // 0.074
  const double variance = 0.09 * 0.2 * 0.8 / 800 + 0.49 * 0.02 * 0.98 / 200;  // 1.8e-5 + 4.802e-5
  EXPECT_NEAR(e->share, share, 1e-12);
  EXPECT_EQ(e->rows, std::llround(share * (1 - share) / variance));  // 1038
  // One language: exactly its part. Korean's share was measured on 200 messages, not on 1000.
  e = p.expected_reference(0, {{"ko", 50}});
  EXPECT_DOUBLE_EQ(e->share, 0.02);
  EXPECT_EQ(e->rows, 200);
  // A language without its own share, and no messages at all: the overall share on every row.
  e = p.expected_reference(0, {{"unknown", 10}});
  EXPECT_DOUBLE_EQ(e->share, 0.1);
  EXPECT_EQ(e->rows, 1000);
  EXPECT_EQ(p.expected_reference(0, {})->rows, 1000);
  p.categories[0].reference_threshold = 0.9;  // stale: nothing to expect
  EXPECT_FALSE(p.expected_reference(0, {{"en", 5}}).has_value());
  std::string m = parse_error(std::string(kMinimal) + "reference_language_share = { ko = 1.5 }\n");
  EXPECT_NE(m.find("reference_language_share.ko must be in [0, 1]"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal) + "reference_language_share = { ja = 0.5 }\n");
  EXPECT_NE(m.find("reference_language_share names 'ja'"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal).insert(0, "reference_language_rows = { ko = 0 }\n"));
  EXPECT_NE(m.find("reference_language_rows.ko must be > 0"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal).insert(0, "reference_language_rows = { ko = 2.5 }\n"));
  EXPECT_NE(m.find("'reference_language_rows.ko' must be an integer"), std::string::npos) << m;
}

TEST(PolicyErrors, ALanguageOffsetForAnotherLanguageOrOutOfRange) {
  std::string m = parse_error(std::string(kMinimal) + "language_offset = { fr = 1.0 }\n");
  EXPECT_NE(m.find("'hate' language_offset names 'fr'; the languages are ko and en"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal) + "language_offset = { ko = 21.0 }\n");
  EXPECT_NE(m.find("language_offset.ko must be in [-20, 20]"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal) + "language_offset = { ko = nan }\n");
  EXPECT_NE(m.find("language_offset.ko must be in [-20, 20]"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal) + "language_offset = { ko = \"high\" }\n");
  EXPECT_NE(m.find("bad.toml:7: 'category.language_offset.ko' must be a number"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal) + "language_offset = 1.5\n");
  EXPECT_NE(m.find("'category.language_offset' must be a table"), std::string::npos) << m;
}

TEST(PolicyParse, AThresholdMovedSinceTheReferenceLeavesItStale) {
  Policy p = Policy::parse(kMinimal, "min.toml");
  auto& c = p.categories[0];
  p.reference_rows = 100;
  c.reference_share = 0.2;
  c.threshold = 0.7;
  EXPECT_EQ(c.live_reference(), 0.2);  // hand-written, no threshold recorded: taken as given
  c.reference_threshold = 0.7;
  EXPECT_EQ(c.live_reference(), 0.2);
  c.threshold = 0.9;  // edited by hand after the reference was measured
  EXPECT_TRUE(c.stale_reference());
  EXPECT_FALSE(c.live_reference().has_value());
}

TEST(PolicyErrors, ReferenceShareOutsideZeroToOneOrWithoutRows) {
  const std::string with_rows = std::string(kMinimal).insert(std::string(kMinimal).find("\n[[category]]"), "\nreference_rows = 10");
  for (const char* share : {"-0.1", "1.5"}) {
    SCOPED_TRACE(share);
    const std::string m = parse_error(with_rows + "reference_share = " + share + "\n");
    EXPECT_NE(m.find("'hate' reference_share must be in [0, 1]"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(Policy::parse(with_rows + "reference_share = 1\n", "ok.toml"));
  std::string m = parse_error(std::string(kMinimal) + "reference_share = 0.3\n");
  EXPECT_NE(m.find("no reference_rows > 0"), std::string::npos) << m;
  m = parse_error(std::string(kMinimal).insert(0, "reference_rows = \"ten\"\n"));
  EXPECT_NE(m.find("'reference_rows' must be an integer"), std::string::npos) << m;
  // A share deleted by hand leaves its threshold behind: harmless, no reference.
  const auto alone = Policy::parse(with_rows + "reference_threshold = 0.5\n", "ok.toml");
  EXPECT_FALSE(alone.categories[0].live_reference().has_value());
  EXPECT_FALSE(alone.categories[0].stale_reference());
  m = parse_error(with_rows + "reference_share = 0.3\nreference_threshold = 0\n");
  EXPECT_NE(m.find("'hate' reference_threshold must be in (0, 1]"), std::string::npos) << m;
}

TEST(PolicyParse, SaveThenLoadGivesTheSamePolicy) {
  const Policy p = Policy::load(builtin("cascade"));
  const fs::path path = fs::temp_directory_path() / ("guardian-policy-" + std::to_string(std::random_device{}()) + ".toml");
  p.save(path);
  const Policy q = Policy::load(path);
  fs::remove(path);
  expect_same(p, q);
}

TEST(PolicyParse, MissingFileIsAnError) {
  EXPECT_THROW(Policy::load("/nonexistent/dir/policy.toml"), Error);
}

TEST(PolicyErrors, UnknownTopLevelKeyNamesFileLineAndKey) {
  const std::string m = parse_error("name = \"p\"\ncolour = \"red\"\n[[category]]\nname = \"x\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("bad.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("colour"), std::string::npos) << m;
}

TEST(PolicyErrors, UnknownCategoryKeyNamesFileLineAndKey) {
  const std::string m = parse_error(std::string(kMinimal) + "weight = 2\n");
  EXPECT_NE(m.find("bad.toml:7"), std::string::npos) << m;
  EXPECT_NE(m.find("category.weight"), std::string::npos) << m;
}

TEST(PolicyErrors, MissingLevels) {
  const std::string m = parse_error("name = \"p\"\n\n[[category]]\nname = \"hate\"\nthreshold = 0.4\n");
  EXPECT_NE(m.find("bad.toml:"), std::string::npos) << m;
  EXPECT_NE(m.find("'hate'"), std::string::npos) << m;
  EXPECT_NE(m.find("levels"), std::string::npos) << m;
}

TEST(PolicyErrors, OneLevelIsNotEnough) {
  const std::string m = parse_error("name = \"p\"\n[[category]]\nname = \"hate\"\nlevels = [\"none\"]\n");
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("'hate'"), std::string::npos) << m;
  EXPECT_NE(m.find("at least 2 levels"), std::string::npos) << m;
}

TEST(PolicyErrors, DuplicateCategoryNames) {
  const std::string m = parse_error(std::string(kMinimal) + "\n[[category]]\nname = \"hate\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("'hate' appears twice"), std::string::npos) << m;
}

TEST(PolicyErrors, ThresholdOutsideZeroToOne) {
  for (const char* t : {"0", "0.0", "1.5", "-0.2"}) {
    SCOPED_TRACE(t);
    const std::string m = parse_error(std::string(kMinimal) + "threshold = " + t + "\n");
    EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
    EXPECT_NE(m.find("'hate' threshold"), std::string::npos) << m;
  }
  // 1 itself is allowed (flag only on certainty).
  EXPECT_NO_THROW(Policy::parse(std::string(kMinimal) + "threshold = 1\n", "ok.toml"));
}

TEST(PolicyErrors, TemperatureMustBePositive) {
  for (const char* t : {"0", "0.0", "-1.0"}) {
    SCOPED_TRACE(t);
    const std::string m = parse_error(std::string(kMinimal) + "temperature = " + t + "\n");
    EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
    EXPECT_NE(m.find("'hate' temperature"), std::string::npos) << m;
  }
}

TEST(PolicyErrors, GateNamingNoCategory) {
  const std::string m = parse_error("name = \"p\"\ngate = \"toxic\"\n[[category]]\nname = \"hate\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("gate 'toxic' names no category"), std::string::npos) << m;
}

TEST(PolicyErrors, GateThatIsNotBinary) {
  const std::string m = parse_error("name = \"p\"\ngate = \"hate\"\n[[category]]\nname = \"hate\"\nlevels = [\"a\", \"b\", \"c\"]\n");
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("binary"), std::string::npos) << m;
}

TEST(PolicyErrors, WrongTypesNameLineAndKey) {
  struct Case {
    std::string extra;   // appended to the [[category]] of kMinimal (line 7)
    std::string key;
  };
  for (const Case& c : std::vector<Case>{{"threshold = \"high\"", "'category.threshold'"},
                                         {"temperature = true", "'category.temperature'"},
                                         {"decides = \"yes\"", "'category.decides'"},
                                         {"score_at_level0 = 2.5", "'category.score_at_level0'"},
                                         {"description = 3", "'category.description'"}}) {
    SCOPED_TRACE(c.extra);
    const std::string m = parse_error(std::string(kMinimal) + c.extra + "\n");
    EXPECT_NE(m.find("bad.toml:7"), std::string::npos) << m;
    EXPECT_NE(m.find(c.key), std::string::npos) << m;
  }
  // Top-level keys of the wrong type.
  std::string m = parse_error("name = 5\n[[category]]\nname = \"x\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("bad.toml:1"), std::string::npos) << m;
  EXPECT_NE(m.find("'name'"), std::string::npos) << m;
  m = parse_error("name = \"p\"\ngate = [\"x\"]\n[[category]]\nname = \"x\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("bad.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("'gate'"), std::string::npos) << m;
  // Levels that are not a list of strings.
  m = parse_error("name = \"p\"\n[[category]]\nname = \"x\"\nlevels = \"a\"\n");
  EXPECT_NE(m.find("levels"), std::string::npos) << m;
  m = parse_error("name = \"p\"\n[[category]]\nname = \"x\"\nlevels = [0, 1]\n");
  EXPECT_NE(m.find("bad.toml:4"), std::string::npos) << m;
  EXPECT_NE(m.find("'category.levels' must be an array of strings"), std::string::npos) << m;
  // [category] as a plain table instead of an array of tables.
  m = parse_error("name = \"p\"\n[category]\nname = \"x\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("[[category]]"), std::string::npos) << m;
}

TEST(PolicyErrors, MissingNamesAndCategories) {
  std::string m = parse_error("[[category]]\nname = \"x\"\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("'name' is required"), std::string::npos) << m;
  m = parse_error("name = \"p\"\n");
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("[[category]]"), std::string::npos) << m;
  m = parse_error("name = \"p\"\n[[category]]\nlevels = [\"a\", \"b\"]\n");
  EXPECT_NE(m.find("bad.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("needs a 'name'"), std::string::npos) << m;
}

TEST(PolicyErrors, TomlSyntaxErrorNamesFileAndLine) {
  const std::string m = parse_error("name = \"p\"\nversion = \"1\"\nthreshold = = 3\n");
  EXPECT_NE(m.find("bad.toml:3"), std::string::npos) << m;
}

TEST(PolicyErrors, LoadNamesTheFile) {
  const fs::path path = fs::temp_directory_path() / ("guardian-badpolicy-" + std::to_string(std::random_device{}()) + ".toml");
  {
    std::ofstream out(path);
    out << "name = \"p\"\nsurprise = 1\n";
  }
  std::string m;
  try {
    Policy::load(path);
  } catch (const ConfigError& e) {
    m = e.what();
  }
  fs::remove(path);
  EXPECT_NE(m.find(path.string() + ":2"), std::string::npos) << m;
}

TEST(PolicyValidate, CatchesProgrammaticMistakes) {
  Policy p;
  p.name = "p";
  EXPECT_THROW(p.validate(), ConfigError);  // no categories
  p.categories.push_back({"a", "", {"n", "y"}, 0.5, 1.0, true, std::nullopt});
  EXPECT_NO_THROW(p.validate());
  p.categories.push_back({"", "", {"n", "y"}, 0.5, 1.0, true, std::nullopt});
  EXPECT_THROW(p.validate(), ConfigError);  // a category without a name
  p.categories.back().name = "b";
  p.categories.back().threshold = std::nan("");
  EXPECT_THROW(p.validate(), ConfigError);  // NaN threshold
  p.categories.back().threshold = 0.5;
  p.name = "";
  EXPECT_THROW(p.validate(), ConfigError);
}

}  // namespace
}  // namespace guardian::policy

// read_examples: split specs and slices, label mapping (levels, max rule, unknowns), language, and
// each bad input as a clear error naming file and line.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/reader.h"
#include "data_test_helpers.h"

namespace guardian::data {
namespace {

using test::error_of;
using test::Scratch;

TEST(SplitSpec, ParsesCardSplitAndSlices) {
  SplitSpec s = SplitSpec::parse("beep:train");
  EXPECT_EQ(s.card, "beep");
  EXPECT_EQ(s.split, "train");
  EXPECT_EQ(s.begin_percent, 0);
  EXPECT_EQ(s.end_percent, 100);
  s = SplitSpec::parse("beep:train[:90%]");
  EXPECT_EQ(s.begin_percent, 0);
  EXPECT_EQ(s.end_percent, 90);
  s = SplitSpec::parse("beep:train[90%:]");
  EXPECT_EQ(s.begin_percent, 90);
  EXPECT_EQ(s.end_percent, 100);
  s = SplitSpec::parse("beep:train[10:20%]");
  EXPECT_EQ(s.begin_percent, 10);
  EXPECT_EQ(s.end_percent, 20);
  // A card path: the last ':' splits card from split.
  s = SplitSpec::parse("/tmp/my:cards/card.toml:dev[5%:]");
  EXPECT_EQ(s.card, "/tmp/my:cards/card.toml");
  EXPECT_EQ(s.split, "dev");
  EXPECT_EQ(s.begin_percent, 5);
  s = SplitSpec::parse("configs/cards/beep.toml:train");
  EXPECT_EQ(s.card, "configs/cards/beep.toml");
  EXPECT_EQ(s.split, "train");
}

TEST(SplitSpec, ToStringRoundTrips) {
  for (const char* text : {"beep:train", "beep:train[:90%]", "beep:train[90%:]", "a/b.toml:dev[10%:20%]"}) {
    EXPECT_EQ(SplitSpec::parse(text).to_string(), text);
  }
  EXPECT_EQ(SplitSpec::parse("beep:train[0%:100%]").to_string(), "beep:train");
}

TEST(SplitSpec, MalformedSpecsAreConfigErrorsQuotingTheSpec) {
  for (const char* text : {"beep", "beep:", ":train", "", "beep:train[:90%", "beep:train[90%]", "beep:train[a:b]",
                           "beep:train[:101%]", "beep:train[-5%:]", "beep:train[50%:50%]", "beep:train[60%:40%]",
                           "beep:train[%:]", "[:90%]", "beep:train[:90%]]"}) {
    SCOPED_TRACE(text);
    const std::string m = error_of<ConfigError>([&] { SplitSpec::parse(text); });
    EXPECT_NE(m.find(std::string("'") + text + "'"), std::string::npos) << m;
  }
}

TEST(Slice, BucketsAreInRangeAndSpread) {
  std::vector<int> counts(100, 0);
  for (int i = 0; i < 10000; ++i) {
    const int b = slice_bucket("card:" + std::to_string(i));
    ASSERT_GE(b, 0);
    ASSERT_LT(b, 100);
    ++counts[b];
  }
  EXPECT_GT(*std::min_element(counts.begin(), counts.end()), 50);   // about 100 each
  EXPECT_LT(*std::max_element(counts.begin(), counts.end()), 160);
}

TEST(Slice, BucketsAreStableAcrossVersions) {
  // A slice (train[:90%], train[90%:]) is the rows whose id falls in its buckets: a change to this
  // hash would silently move validation rows into training and the reverse, and make every
  // recorded validation figure incomparable. Pinned from the implementation that cut the
  // shipped recipes' splits.
  EXPECT_EQ(slice_bucket("card:0"), 67);
  EXPECT_EQ(slice_bucket("card:7"), 38);
  EXPECT_EQ(slice_bucket("card:42"), 54);
  EXPECT_EQ(slice_bucket("beep:train:1"), 7);
  EXPECT_EQ(slice_bucket("shelf:m1"), 77);
  EXPECT_EQ(slice_bucket("shelf:m80"), 89);
  EXPECT_EQ(slice_bucket("한국:1"), 90);  // hashed as its UTF-8 bytes
  EXPECT_EQ(slice_bucket(""), 31);
}

class Reading : public ::testing::Test {
 protected:
  Scratch dir_;
  policy::Policy policy_ = policy::Policy::parse(R"(name = "fx"
[[category]]
name = "hate"
levels = ["none", "offensive", "hate"]
[[category]]
name = "insult"
levels = ["none", "mild", "severe"]
[[category]]
name = "adult"
levels = ["no", "yes"]
)", "fx.toml");

  std::vector<Example> read(const Card& card, const std::string& split_suffix = "", const ReadOptions& options = {},
                            ReadReport* report = nullptr) {
    return load_examples(card, SplitSpec::parse(card.path.string() + ":train" + split_suffix), policy_, dir_.path(),
                         options, report);
  }
};

TEST_F(Reading, SlicesAreDisjointCompleteAndStableUnderReordering) {
  std::string rows, reversed;
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) lines.push_back("r" + std::to_string(i) + "\ttext " + std::to_string(i) + "\t0\n");
  for (const auto& l : lines) rows += l;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) reversed += *it;
  dir_.write("f.tsv", "id\ttext\tlabel\n" + rows);
  dir_.write("r.tsv", "id\ttext\tlabel\n" + reversed);
  const std::string mapping = "[mapping.fx.label]\n0 = { hate = 0 }\n";
  const Card forward = dir_.card("f.toml", "name = \"fx\"\ntext = \"text\"\nid = \"id\"\n[splits]\ntrain = \"f.tsv\"\n" + mapping);
  const Card backward = dir_.card("r.toml", "name = \"fx\"\ntext = \"text\"\nid = \"id\"\n[splits]\ntrain = \"r.tsv\"\n" + mapping);

  auto ids = [](const std::vector<Example>& examples) {
    std::set<std::string> out;
    for (const auto& e : examples) out.insert(e.id);
    return out;
  };
  const auto head = ids(read(forward, "[:90%]"));
  const auto tail = ids(read(forward, "[90%:]"));
  EXPECT_GT(head.size(), 240u);
  EXPECT_GT(tail.size(), 10u);
  EXPECT_EQ(head.size() + tail.size(), 300u);
  for (const auto& id : tail) EXPECT_EQ(head.count(id), 0u) << id;
  EXPECT_EQ(ids(read(backward, "[:90%]")), head);
  EXPECT_EQ(ids(read(backward, "[90%:]")), tail);
  // The report counts every row read and only the kept ones.
  ReadReport report;
  read(forward, "[90%:]", {}, &report);
  EXPECT_EQ(report.rows, 300u);
  EXPECT_EQ(report.kept, tail.size());
}

TEST_F(Reading, LevelsByIndexOrNameAndTheHighestLevelWins) {
  dir_.write("m.tsv", "text\ta\tb\nx\tlow\tno\ny\thigh\tno\nz\tlow\tyes\nw\thigh\tyes\n");
  const Card card = dir_.card("m.toml", R"(name = "fx"
text = "text"
[splits]
train = "m.tsv"
[mapping.fx.a]
low = { insult = "mild" }
high = { insult = 2, hate = "offensive" }
[mapping.fx.b]
no = { insult = 0 }
yes = { insult = 1, adult = "yes" }
)");
  const auto e = read(card);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].labels, (std::vector<int>{kUnknownLabel, 1, kUnknownLabel}));
  EXPECT_EQ(e[1].labels, (std::vector<int>{1, 2, kUnknownLabel}));
  EXPECT_EQ(e[2].labels, (std::vector<int>{kUnknownLabel, 1, 1}));
  EXPECT_EQ(e[3].labels, (std::vector<int>{1, 2, 1}));  // 2 from a beats 1 from b
}

TEST_F(Reading, AJointMappingReadsSeveralColumnsTogether) {
  // BEEP!'s case: the same hate level means one category with a group bias and another without.
  dir_.write("j.tsv", "text\tsev\tbias\tx\n"
                      "a\thigh\tgender\tno\n"
                      "b\thigh\t none \tno\n"
                      "c\tlow\tgender\tyes\n"
                      "d\tlow\tnone\tno\n"
                      "e\thigh\tother\tno\n");
  const std::string head = "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"j.tsv\"\n";
  const Card card = dir_.card("j.toml", head + R"([mapping.fx."sev+bias"]
"high+gender" = { hate = 2 }
"high+none" = { hate = 0, insult = 2 }
"low+gender" = { insult = 1 }
"low+none" = { hate = 0, insult = 1 }
[mapping.fx.x]
no = { adult = 0 }
yes = { adult = 1, hate = 1 }
)");
  const auto e = read(card, "", {.skip_bad = true});
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].labels, (std::vector<int>{2, kUnknownLabel, 0}));
  EXPECT_EQ(e[1].labels, (std::vector<int>{0, 2, 0}));  // each value trimmed before joining
  EXPECT_EQ(e[2].labels, (std::vector<int>{1, 1, 1}));  // the highest level still wins across tables
  EXPECT_EQ(e[3].labels, (std::vector<int>{0, 1, 0}));
  // A combination the table does not list names both columns and both values.
  std::string m = error_of<InputError>([&] { read(card); });
  EXPECT_NE(m.find("j.tsv:6: columns 'sev+bias' have values 'high+other'"), std::string::npos) << m;
  // A key with the wrong number of values, or a column the file lacks, is named.
  const Card short_key = dir_.card("k.toml", head + "[mapping.fx.\"sev+bias\"]\nhigh = { hate = 2 }\n");
  m = error_of<ConfigError>([&] { read(short_key); });
  EXPECT_NE(m.find("mapping.fx.sev+bias.high: a joint mapping of 2 columns needs 2 values"), std::string::npos) << m;
  const Card empty_name = dir_.card("e.toml", head + "[mapping.fx.\"sev+\"]\n\"high+x\" = { hate = 2 }\n");
  m = error_of<ConfigError>([&] { read(empty_name); });
  EXPECT_NE(m.find("mapping.fx.sev+: an empty column name"), std::string::npos) << m;
  const Card missing = dir_.card("l.toml", head + "[mapping.fx.\"sev+tone\"]\n\"high+calm\" = { hate = 2 }\n");
  m = error_of<InputError>([&] { read(missing); });
  EXPECT_NE(m.find("no column 'tone'"), std::string::npos) << m;
}

TEST_F(Reading, ANumberIsALevelIndexEvenWhenLevelsHaveNumericNames) {
  // The default policy's General has levels named "5".."1"; general = 4 means index 4 (score 1).
  dir_.write("g.tsv", "text\tsevere\nx\t1\ny\t0\n");
  const Card card = dir_.card("g.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"g.tsv\"\n"
                                        "[mapping.default.severe]\n1 = { general = 4 }\n0 = { general = 0 }\n");
  const auto policy = test::builtin_policy("default");
  const auto e = load_examples(card, SplitSpec::parse(card.path.string() + ":train"), policy, dir_.path());
  const int general = policy.index_of("general");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].labels[general], 4);
  EXPECT_EQ(policy.categories[general].levels[4], "1");
  EXPECT_EQ(e[1].labels[general], 0);
}

TEST_F(Reading, MappingErrorsNameTheCardAndTheCulprit) {
  dir_.write("m.tsv", "text\tlabel\nx\t0\n");
  const std::string head = "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"m.tsv\"\n[mapping.fx.label]\n";
  const Card lacks = dir_.card("c1.toml", head + "0 = { violence = 1 }\n");
  std::string m = error_of<ConfigError>([&] { read(lacks); });
  EXPECT_NE(m.find("c1.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("category 'violence'"), std::string::npos) << m;
  EXPECT_NE(m.find("policy 'fx'"), std::string::npos) << m;
  for (const char* level : {"\"severe\"", "3", "\"-1\""}) {
    SCOPED_TRACE(level);
    const Card bad = dir_.card("c2.toml", head + "0 = { hate = " + level + " }\n");
    m = error_of<ConfigError>([&] { read(bad); });
    EXPECT_NE(m.find("c2.toml: mapping.fx.label.0"), std::string::npos) << m;
    EXPECT_NE(m.find("is not a level of 'hate'"), std::string::npos) << m;
  }
  const Card other = dir_.card("c3.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"m.tsv\"\n[mapping.zz.label]\n0 = {}\n");
  m = error_of<ConfigError>([&] { read(other); });
  EXPECT_NE(m.find("no label mapping for policy 'fx'"), std::string::npos) << m;
  EXPECT_NE(m.find("zz"), std::string::npos) << m;
}

TEST_F(Reading, UnlabelledReadingNeedsNoMappingAndKeepsSlices) {
  std::string rows = "text\tlabel\n";
  for (int i = 0; i < 50; ++i) rows += "message " + std::to_string(i) + "\tnot a mapped value\n";
  dir_.write("u.tsv", rows);
  const Card card = dir_.card("u.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"u.tsv\"\n");
  EXPECT_NE(error_of<ConfigError>([&] { read(card); }).find("no label mapping for policy 'fx'"), std::string::npos);
  const auto all = read(card, "", {.unlabelled = true});
  ASSERT_EQ(all.size(), 50u);
  for (const auto& e : all) EXPECT_EQ(e.labels, std::vector<int>(policy_.categories.size(), kUnknownLabel));
  EXPECT_EQ(all[7].text, "message 7");
  // A slice means what it means for labelled reading: the same stable buckets.
  const auto head = read(card, "[:50%]", {.unlabelled = true});
  const auto tail = read(card, "[50%:]", {.unlabelled = true});
  EXPECT_EQ(head.size() + tail.size(), 50u);
  EXPECT_FALSE(head.empty());
  EXPECT_FALSE(tail.empty());
}

TEST_F(Reading, AValueOutsideTheMappingIsAnErrorOrCountedWithSkipBad) {
  dir_.write("v.tsv", "text\tlabel\na\t0\nb\tmaybe\nc\t1\nd\t?\n");
  const Card card = dir_.card("v.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"v.tsv\"\n"
                                        "[mapping.fx.label]\n0 = { hate = 0 }\n1 = { hate = 2 }\n");
  const std::string m = error_of<InputError>([&] { read(card); });
  EXPECT_NE(m.find("v.tsv:3: column 'label' has value 'maybe'"), std::string::npos) << m;
  ReadReport report;
  const auto e = read(card, "", {.skip_bad = true}, &report);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].labels[0], 2);
  EXPECT_EQ(report.rows, 4u);
  EXPECT_EQ(report.kept, 2u);
  EXPECT_EQ(report.skipped, 2u);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_NE(report.problems[1].find("v.tsv:5:"), std::string::npos) << report.problems[1];
}

TEST_F(Reading, EmptyTextAndInvalidUtf8NameFileAndLine) {
  dir_.write("e.tsv", "text\tlabel\n   \t0\nok\t0\nbad \xC3\x28 bytes\t0\n");
  const Card card = dir_.card("e.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"e.tsv\"\n[mapping.fx.label]\n0 = { hate = 0 }\n");
  const std::string m = error_of<InputError>([&] { read(card); });
  EXPECT_NE(m.find("e.tsv:2: empty text"), std::string::npos) << m;
  ReadReport report;
  const auto e = read(card, "", {.skip_bad = true}, &report);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].text, "ok");
  EXPECT_EQ(report.skipped, 2u);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_NE(report.problems[1].find("e.tsv:4:"), std::string::npos) << report.problems[1];
  EXPECT_NE(report.problems[1].find("UTF-8"), std::string::npos) << report.problems[1];
}

TEST_F(Reading, MissingFilesColumnsAndSplits) {
  const Card card = dir_.card("x.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"absent.tsv\"\n[mapping.fx.label]\n0 = {}\n");
  std::string m = error_of<InputError>([&] { read(card); });
  EXPECT_NE(m.find("absent.tsv"), std::string::npos) << m;
  EXPECT_NE(m.find("GUARDIAN_DATA"), std::string::npos) << m;
  m = error_of<ConfigError>([&] { load_examples(card, SplitSpec::parse("x:dev"), policy_, dir_.path()); });
  EXPECT_NE(m.find("no split 'dev' (it has: train)"), std::string::npos) << m;

  dir_.write("c.tsv", "body\tlabel\nx\t0\n");
  const Card no_text = dir_.card("y.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"c.tsv\"\n[mapping.fx.label]\n0 = {}\n");
  m = error_of<InputError>([&] { read(no_text); });
  EXPECT_NE(m.find("c.tsv:2: no column 'text'"), std::string::npos) << m;
  const Card no_label = dir_.card("z.toml", "name = \"fx\"\ntext = \"body\"\n[splits]\ntrain = \"c.tsv\"\n[mapping.fx.kind]\n0 = {}\n");
  m = error_of<InputError>([&] { read(no_label); });
  EXPECT_NE(m.find("c.tsv:2: no column 'kind'"), std::string::npos) << m;
  const Card no_id = dir_.card("w.toml", "name = \"fx\"\ntext = \"body\"\nid = \"id\"\n[splits]\ntrain = \"c.tsv\"\n[mapping.fx.label]\n0 = {}\n");
  m = error_of<InputError>([&] { read(no_id); });
  EXPECT_NE(m.find("c.tsv:2: no id column 'id'"), std::string::npos) << m;
}

TEST_F(Reading, LimitStopsEarly) {
  // The malformed last row would be an error if reading went on past the limit.
  dir_.write("l.tsv", "text\tlabel\na\t0\nb\t0\nc\t0\nd\t0\nno tab here\n");
  const Card card = dir_.card("l.toml", "name = \"fx\"\ntext = \"text\"\n[splits]\ntrain = \"l.tsv\"\n[mapping.fx.label]\n0 = {}\n");
  ReadReport report;
  const auto e = read(card, "", {.limit = 2}, &report);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].text, "b");
  EXPECT_EQ(report.kept, 2u);
  EXPECT_EQ(report.rows, 2u);  // reading stopped there: the rest of the file was never read
  EXPECT_THROW(read(card, "", {.limit = 5}), InputError);
}

TEST_F(Reading, LanguageIsFixedByTheCardOrDetectedPerMessage) {
  dir_.write("l.tsv", "text\tlabel\n안녕하세요 반갑습니다\t0\nhello there\t0\n12345 !!!\t0\n한국어 text 섞임\t0\n");
  const std::string body = "text = \"text\"\n[splits]\ntrain = \"l.tsv\"\n[mapping.fx.label]\n0 = {}\n";
  auto languages = [&](const std::string& language) {
    const Card card = dir_.card(language + ".toml", "name = \"fx\"\nlanguage = \"" + language + "\"\n" + body);
    std::vector<Language> out;
    for (const auto& e : read(card)) out.push_back(e.language);
    return out;
  };
  EXPECT_EQ(languages("auto"), (std::vector<Language>{Language::kKorean, Language::kEnglish, Language::kUnknown, Language::kKorean}));
  EXPECT_EQ(languages("ko"), std::vector<Language>(4, Language::kKorean));
  EXPECT_EQ(languages("en"), std::vector<Language>(4, Language::kEnglish));
}

TEST_F(Reading, FilesRelativeToTheCardFollowTheCardWhenItsFolderMoves) {
  // files = "card": split files live beside the card, not under the data root.
  dir_.write("set/rows.tsv", "text\tlabel\nhello\t1\n");
  const std::string toml = "name = \"fx\"\nfiles = \"card\"\ntext = \"text\"\n[splits]\ntrain = \"rows.tsv\"\n"
                           "[mapping.fx.label]\n1 = { hate = 2 }\n";
  dir_.write("set/card.toml", toml);
  std::filesystem::rename(dir_.path() / "set", dir_.path() / "moved");
  const Card card = load_card((dir_.path() / "moved" / "card.toml").string());
  EXPECT_EQ(card.files_root("/elsewhere"), dir_.path() / "moved");
  const auto examples = read(card);
  ASSERT_EQ(examples.size(), 1u);
  EXPECT_EQ(examples[0].text, "hello");
  // The default stays relative to the data root, as the built-in cards expect.
  EXPECT_EQ(load_card("beep").files_root("/data"), std::filesystem::path("/data"));
  // A card parsed from text has no folder to be relative to.
  EXPECT_THROW(parse_card(toml, "inline").files_root("/data"), ConfigError);
  const std::string m = error_of<ConfigError>([&] { parse_card("name = \"x\"\nfiles = \"here\"\n" + toml.substr(toml.find("text")), "bad.toml"); });
  EXPECT_NE(m.find("files must be"), std::string::npos) << m;
}

TEST(Language, CodesAndDetection) {
  EXPECT_STREQ(language_code(Language::kKorean), "ko");
  EXPECT_STREQ(language_code(Language::kEnglish), "en");
  EXPECT_STREQ(language_code(Language::kUnknown), "unknown");
  EXPECT_EQ(parse_language("ko"), Language::kKorean);
  EXPECT_EQ(parse_language("english"), Language::kEnglish);
  EXPECT_EQ(parse_language("unknown"), Language::kUnknown);
  EXPECT_THROW(parse_language("fr"), ConfigError);
  EXPECT_EQ(detect_language("ㅋㅋㅋ 진짜"), Language::kKorean);
  EXPECT_EQ(detect_language("What a day"), Language::kEnglish);
  EXPECT_EQ(detect_language(""), Language::kUnknown);
  EXPECT_EQ(detect_language("😀 123"), Language::kUnknown);
}

}  // namespace
}  // namespace guardian::data

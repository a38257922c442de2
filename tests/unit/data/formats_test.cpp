// Row formats through read_examples on fixture files: CSV quoting and line numbers, TSV column
// counts, JSON Lines, JSON arrays, paired files and plain lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/reader.h"
#include "data_test_helpers.h"

namespace guardian::data {
namespace {

using test::error_of;
using test::Scratch;

// A two-category policy for fixtures.
policy::Policy fixture_policy() {
  return policy::Policy::parse(R"(name = "fx"
[[category]]
name = "hate"
levels = ["none", "offensive", "hate"]
[[category]]
name = "insult"
levels = ["none", "mild", "severe"]
)", "fx.toml");
}

// A card over one fixture file with `label` mapped onto hate 0/1/2.
std::string card_toml(const std::string& format, const std::string& file, const std::string& extra = "") {
  return "name = \"fx\"\nformat = \"" + format + "\"\ntext = \"text\"\n" + extra + "[splits]\ntrain = \"" + file +
         "\"\n[mapping.fx.label]\n0 = { hate = 0 }\n1 = { hate = 1 }\n2 = { hate = 2 }\n";
}

class Formats : public ::testing::Test {
 protected:
  Scratch dir_;
  policy::Policy policy_ = fixture_policy();

  std::vector<Example> read(const Card& card, const ReadOptions& options = {}, ReadReport* report = nullptr) {
    return load_examples(card, SplitSpec::parse(card.path.string() + ":train"), policy_, dir_.path(), options, report);
  }
  std::string input_error(const Card& card) {
    return error_of<InputError>([&] { read(card); });
  }
};

TEST_F(Formats, CsvQuotedFieldsSpanLinesAndDoubleTheirQuotes) {
  dir_.write("a.csv",
             "\xEF\xBB\xBFid,text,label\r\n"
             "a1,plain,0\r\n"
             "a2,\"two\nlines, and a comma\",1\r\n"
             "a3,\"she said \"\"hi\"\"\",2\n"
             "\n"
             "a4,\"\",0\n"
             "a5,last no newline,1");
  const Card card = dir_.card("a.toml", card_toml("csv", "a.csv", "id = \"id\"\n"));
  ReadReport report;
  const auto examples = read(card, {.skip_bad = true}, &report);
  ASSERT_EQ(examples.size(), 4u);
  EXPECT_EQ(examples[0].id, "fx:a1");
  EXPECT_EQ(examples[0].text, "plain");
  EXPECT_EQ(examples[1].text, "two lines, and a comma");  // normalisation folds the newline
  EXPECT_EQ(examples[1].labels, (std::vector<int>{1, kUnknownLabel}));
  EXPECT_EQ(examples[2].text, "she said \"hi\"");
  EXPECT_EQ(examples[2].labels[0], 2);
  EXPECT_EQ(examples[3].text, "last no newline");
  EXPECT_EQ(examples[3].source, "fx");
  // The empty quoted text is the one skipped row; it starts on line 7 (after the two-line record).
  EXPECT_EQ(report.rows, 5u);
  EXPECT_EQ(report.skipped, 1u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("a.csv:7: empty text"), std::string::npos) << report.problems[0];
}

TEST_F(Formats, CsvErrorsNameTheLineWhereTheRecordStarts) {
  dir_.write("b.csv", "text,label\n\"multi\nline\nrecord\",0\nbad,9\n");
  const std::string m = input_error(dir_.card("b.toml", card_toml("csv", "b.csv")));
  EXPECT_NE(m.find("b.csv:5:"), std::string::npos) << m;
  EXPECT_NE(m.find("column 'label' has value '9'"), std::string::npos) << m;
  EXPECT_NE(m.find("--skip-bad"), std::string::npos) << m;

  dir_.write("c.csv", "text,label\nok,0\n\"bad\"x,1\n");
  std::string c = input_error(dir_.card("c.toml", card_toml("csv", "c.csv")));
  EXPECT_NE(c.find("c.csv:3: malformed quoting"), std::string::npos) << c;

  dir_.write("d.csv", "text,label\nok,0\n\"never closed,1\nmore\n");
  c = input_error(dir_.card("d.toml", card_toml("csv", "d.csv")));
  EXPECT_NE(c.find("d.csv:3: malformed quoting"), std::string::npos) << c;

  dir_.write("e.csv", "text,label\nok,0\ntoo,many,cells\n");
  c = input_error(dir_.card("e.toml", card_toml("csv", "e.csv")));
  EXPECT_NE(c.find("e.csv:3: expected 2 comma-separated columns, found 3"), std::string::npos) << c;
}

TEST_F(Formats, CsvQuotedLastFieldBeforeCrLf) {
  dir_.write("q.csv", "label,text\r\n1,\"quoted, last\"\r\n0,\"line\r\nbreak\"\r\n2,x\r\n");
  const auto examples = read(dir_.card("q.toml", card_toml("csv", "q.csv")));
  ASSERT_EQ(examples.size(), 3u);
  EXPECT_EQ(examples[0].text, "quoted, last");
  EXPECT_EQ(examples[1].text, "line break");
  EXPECT_EQ(examples[2].labels[0], 2);
  EXPECT_EQ(examples[2].id, "fx:train:3");
}

TEST_F(Formats, CsvWithoutHeaderNamesColumnsByPosition) {
  dir_.write("n.csv", "hello,1\nworld,2\n");
  const Card card = dir_.card("n.toml", "name = \"fx\"\nformat = \"csv\"\nheader = false\ntext = \"0\"\n[splits]\ntrain = \"n.csv\"\n"
                                        "[mapping.fx.1]\n1 = { insult = 1 }\n2 = { insult = 2 }\n");
  const auto examples = read(card);
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[1].text, "world");
  EXPECT_EQ(examples[1].labels, (std::vector<int>{kUnknownLabel, 2}));
}

TEST_F(Formats, TsvColumnCountErrorsNameFileAndLine) {
  dir_.write("t.tsv", "text\tlabel\nfine\t0\n\nmissing a tab\nalso fine\t1\nextra\t1\tcell\n");
  const Card card = dir_.card("t.toml", card_toml("tsv", "t.tsv"));
  const std::string m = input_error(card);
  EXPECT_NE(m.find("t.tsv:4: expected 2 tab-separated columns, found 1"), std::string::npos) << m;
  ReadReport report;
  const auto examples = read(card, {.skip_bad = true}, &report);
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[1].text, "also fine");
  EXPECT_EQ(report.rows, 4u);  // the blank line is no row; the two malformed ones are
  EXPECT_EQ(report.kept, 2u);
  EXPECT_EQ(report.skipped, 2u);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_NE(report.problems[1].find("t.tsv:6:"), std::string::npos) << report.problems[1];
}

TEST_F(Formats, TsvTrimsLabelValuesCarriageReturnsAndByteOrderMark) {
  dir_.write("w.tsv", "\xEF\xBB\xBFtext\tlabel\r\nspaced\t 2 \r\n");  // a byte-order mark too
  const auto examples = read(dir_.card("w.toml", card_toml("tsv", "w.tsv")));
  ASSERT_EQ(examples.size(), 1u);
  EXPECT_EQ(examples[0].labels[0], 2);
  EXPECT_EQ(examples[0].id, "fx:train:1");  // by position without an id column
}

TEST_F(Formats, JsonLinesObjectsWithNumbersAndBlankLines) {
  dir_.write("j.jsonl", "{\"text\": \"one\", \"label\": 0}\n\n{\"text\": \"two\", \"label\": 2, \"extra\": [1]}\r\n"
                        "{\"text\": \"three\", \"label\": \"1\"}\n");
  const auto examples = read(dir_.card("j.toml", card_toml("jsonl", "j.jsonl")));
  ASSERT_EQ(examples.size(), 3u);
  EXPECT_EQ(examples[1].text, "two");
  EXPECT_EQ(examples[1].labels[0], 2);
  EXPECT_EQ(examples[2].labels[0], 1);
  EXPECT_EQ(examples[2].id, "fx:train:3");
}

TEST_F(Formats, JsonLinesErrorsNameTheLine) {
  dir_.write("k.jsonl", "{\"text\": \"one\", \"label\": 0}\n{\"text\": \"two\", \n[1, 2]\n");
  const Card card = dir_.card("k.toml", card_toml("jsonl", "k.jsonl"));
  EXPECT_NE(input_error(card).find("k.jsonl:2: not valid JSON"), std::string::npos);
  ReadReport report;
  EXPECT_EQ(read(card, {.skip_bad = true}, &report).size(), 1u);
  EXPECT_EQ(report.skipped, 2u);
  EXPECT_NE(report.problems.at(1).find("k.jsonl:3: expected a JSON object"), std::string::npos) << report.problems.at(1);
}

// A number no double holds (nlohmann's out_of_range, not a parse_error) is a bad line like any other.
TEST_F(Formats, ANumberPastTheRangeOfADoubleIsABadLine) {
  dir_.write("h.jsonl", "{\"text\": \"one\", \"label\": 0}\n{\"text\": \"two\", \"label\": 1e999}\n");
  const Card card = dir_.card("h.toml", card_toml("jsonl", "h.jsonl"));
  EXPECT_NE(input_error(card).find("h.jsonl:2: not valid JSON"), std::string::npos);
  ReadReport report;
  EXPECT_EQ(read(card, {.skip_bad = true}, &report).size(), 1u);
  dir_.write("h.json", "[{\"text\": \"x\", \"label\": -1e999}]");
  EXPECT_NE(input_error(dir_.card("hj.toml", card_toml("json", "h.json"))).find("h.json: not valid JSON"), std::string::npos);
}

TEST_F(Formats, JsonArrayOfObjects) {
  dir_.write("a.json", "[\n {\"text\": \"first\", \"label\": \"0\", \"id\": 17},\n {\"text\": \"second\", \"label\": 1, \"id\": 18}\n]\n");
  const auto examples = read(dir_.card("a.toml", card_toml("json", "a.json", "id = \"id\"\n")));
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].id, "fx:17");
  EXPECT_EQ(examples[1].text, "second");
  EXPECT_EQ(examples[1].labels[0], 1);
}

TEST_F(Formats, JsonErrors) {
  dir_.write("o.json", "{\"text\": \"not an array\"}");
  EXPECT_NE(input_error(dir_.card("o.toml", card_toml("json", "o.json"))).find("o.json: expected a JSON array"), std::string::npos);
  dir_.write("b.json", "[{\"text\": \"x\", \"label\": 0},");
  EXPECT_NE(input_error(dir_.card("b.toml", card_toml("json", "b.json"))).find("b.json: not valid JSON"), std::string::npos);
  dir_.write("i.json", "[{\"text\": \"x\", \"label\": 0}, 5]");
  const std::string m = input_error(dir_.card("i.toml", card_toml("json", "i.json")));
  EXPECT_NE(m.find("item 2 is not a JSON object"), std::string::npos) << m;
}

std::string paired_card(const std::string& text, const std::string& labels) {
  return "name = \"fx\"\nformat = \"paired\"\n[splits]\ntrain = { text = \"" + text + "\", labels = \"" + labels +
         "\" }\n[mapping.fx.label]\n0 = { insult = 0 }\n1 = { insult = 1 }\n";
}

TEST_F(Formats, PairedFilesAlignLineByLine) {
  dir_.write("x.txt", "hello there\r\nyou idiot\n");
  dir_.write("y.txt", "0\r\n1\n");
  const auto examples = read(dir_.card("p.toml", paired_card("x.txt", "y.txt")));
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].text, "hello there");
  EXPECT_EQ(examples[1].labels, (std::vector<int>{kUnknownLabel, 1}));
}

TEST_F(Formats, PairedFilesOfUnequalLengthAreAnError) {
  dir_.write("x.txt", "a\nb\nc\n");
  dir_.write("short.txt", "0\n1\n");
  dir_.write("long.txt", "0\n1\n0\n1\n");
  std::string m = input_error(dir_.card("s.toml", paired_card("x.txt", "short.txt")));
  EXPECT_NE(m.find("short.txt: has fewer lines (2) than"), std::string::npos) << m;
  EXPECT_NE(m.find("x.txt"), std::string::npos) << m;
  m = input_error(dir_.card("l.toml", paired_card("x.txt", "long.txt")));
  EXPECT_NE(m.find("long.txt: has more lines than"), std::string::npos) << m;
}

TEST_F(Formats, LinesGiveTextsForTokenizerTraining) {
  dir_.write("u1.txt", "  first   line \n\n second\n");
  dir_.write("u2.txt", "third\xff\n");
  const Card card = dir_.card("u.toml", "name = \"u\"\nformat = \"lines\"\n[splits]\ntrain = [\"u1.txt\", \"u2.txt\"]\n");
  std::vector<std::string> texts;
  read_texts(card, "train", dir_.path(), [&](std::string&& t) { texts.push_back(std::move(t)); });
  EXPECT_EQ(texts, (std::vector<std::string>{"first line", "second", "third\xEF\xBF\xBD"}));
  // read_texts also works for labelled formats and skips malformed rows silently.
  dir_.write("t.tsv", "text\tlabel\nfine\t0\nbroken\n");
  texts.clear();
  read_texts(dir_.card("t.toml", card_toml("tsv", "t.tsv")), "train", dir_.path(),
             [&](std::string&& t) { texts.push_back(std::move(t)); });
  EXPECT_EQ(texts, std::vector<std::string>{"fine"});
}

TEST_F(Formats, ReadTextsStopsAtItsLimitAndRejectsAMissingTextColumn) {
  dir_.write("a.txt", "one\n\ntwo\nthree\n");
  dir_.write("b.txt", "four\n");
  const Card card = dir_.card("u.toml", "name = \"u\"\nformat = \"lines\"\n[splits]\ntrain = [\"a.txt\", \"b.txt\"]\n");
  std::vector<std::string> texts;
  read_texts(card, "train", dir_.path(), [&](std::string&& t) { texts.push_back(std::move(t)); }, 2);
  EXPECT_EQ(texts, (std::vector<std::string>{"one", "two"}));  // the blank line does not count
  texts.clear();
  read_texts(card, "train", dir_.path(), [&](std::string&& t) { texts.push_back(std::move(t)); }, 10);
  EXPECT_EQ(texts.size(), 4u);

  dir_.write("c.tsv", "body\tlabel\nx\t0\n");
  const Card wrong = dir_.card("w.toml", card_toml("tsv", "c.tsv"));  // its text column is "text"
  const std::string m = error_of<InputError>([&] { read_texts(wrong, "train", dir_.path(), [](std::string&&) {}); });
  EXPECT_NE(m.find("c.tsv:2: no column 'text'"), std::string::npos) << m;
  EXPECT_NE(m.find("w.toml"), std::string::npos) << m;
}

TEST_F(Formats, SeveralFilesAreReadInOrderWithRunningPositions) {
  dir_.write("p1.tsv", "text\tlabel\na\t0\nb\t1\n");
  dir_.write("p2.tsv", "text\tlabel\nc\t2\n");
  const Card card = dir_.card("m.toml", "name = \"fx\"\nformat = \"tsv\"\ntext = \"text\"\n[splits]\ntrain = [\"p1.tsv\", \"p2.tsv\"]\n"
                                        "[mapping.fx.label]\n0 = { hate = 0 }\n1 = { hate = 1 }\n2 = { hate = 2 }\n");
  const auto examples = read(card);
  ASSERT_EQ(examples.size(), 3u);
  EXPECT_EQ(examples[2].text, "c");
  EXPECT_EQ(examples[2].id, "fx:train:3");
}

}  // namespace
}  // namespace guardian::data

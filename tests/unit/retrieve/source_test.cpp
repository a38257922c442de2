// Reading documents: Markdown and HTML headings become sections, CSV and JSON Lines rows take
// their columns from the card, and every bad input names its file (and line).
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "retrieve/source.h"
#include "retrieve_test_helpers.h"

namespace guardian::retrieve {
namespace {

using test::error_of;
using test::write_doc;

std::vector<Passage> read(const std::filesystem::path& path, const SourceCard& card = {}) {
  return read_passages(path, core::read_file(path), path.generic_string(), card);
}

TEST(Sources, MarkdownHeadingsBecomeSectionPaths) {
  test::TempDir dir;
  const auto path = write_doc(dir.path(), "plans.md",
                              "# Plans\n\nIntro text.\n\n## Changing plans\n\nOpen the app.\nTap Plans.\n\n"
                              "Second paragraph.\n\nFees\n----\n\n```\ncode # not a heading\n```\n");
  const auto passages = read(path);
  ASSERT_EQ(passages.size(), 3u);
  EXPECT_EQ(passages[0].section, "Plans");
  EXPECT_EQ(passages[0].title, "Plans");
  EXPECT_EQ(passages[1].section, "Plans > Changing plans");
  EXPECT_EQ(passages[1].paragraphs, (std::vector<std::string>{"Open the app. Tap Plans.", "Second paragraph."}));
  EXPECT_EQ(passages[2].section, "Plans > Fees");
  EXPECT_EQ(passages[2].paragraphs, (std::vector<std::string>{"code # not a heading"}));
  EXPECT_EQ(passages[2].link, path.generic_string());
}

TEST(Sources, HtmlTitleHeadingsAndBlocks) {
  test::TempDir dir;
  const auto path = write_doc(dir.path(), "page.html",
                              "<html><head><title>요금 안내</title><style>p{}</style></head><body>"
                              "<h1>요금제</h1><p>요금제를 변경하려면 &amp; 앱을 여세요.</p><script>x()</script>"
                              "<h2>데이터</h2><ul><li>데이터가 남으면</li><li>이월됩니다</li></ul></body></html>");
  const auto passages = read(path);
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0].title, "요금 안내");
  EXPECT_EQ(passages[0].section, "요금제");
  EXPECT_EQ(passages[0].paragraphs, (std::vector<std::string>{"요금제를 변경하려면 & 앱을 여세요."}));
  EXPECT_EQ(passages[1].section, "요금제 > 데이터");
  EXPECT_EQ(passages[1].paragraphs, (std::vector<std::string>{"데이터가 남으면", "이월됩니다"}));
}

TEST(Sources, PlainTextParagraphsSplitOnBlankLines) {
  test::TempDir dir;
  const auto passages = read(write_doc(dir.path(), "notes.txt", "first\nline\n\n\nsecond\n"));
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].title, "notes");
  EXPECT_EQ(passages[0].paragraphs, (std::vector<std::string>{"first line", "second"}));
}

TEST(Sources, CsvRowsTakeTheCardsColumns) {
  test::TempDir dir;
  const auto path = write_doc(dir.path(), "mcq.csv",
                              ",Question,Explanation,Source,Section\n"
                              "0,What is RLC?,\"RLC bearers are released,\nthen re-established.\",3GPP TS 38.331,5.3.5\n");
  SourceCard card;
  card.text = "Explanation";
  card.title = "Question";
  card.link = "Source";
  card.section = "Section";
  card.named = true;
  const auto passages = read(path, card);
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].link, "3GPP TS 38.331");
  EXPECT_EQ(passages[0].section, "5.3.5");
  EXPECT_EQ(passages[0].title, "What is RLC?");
  EXPECT_EQ(passages[0].paragraphs, (std::vector<std::string>{"RLC bearers are released, then re-established."}));
}

TEST(Sources, JsonLinesWithoutALinkColumnLinkTheirLine) {
  test::TempDir dir;
  const auto path = write_doc(dir.path(), "faq.jsonl", "{\"text\": \"one\"}\n\n{\"text\": \"two\", \"section\": \"S\"}\n");
  const auto passages = read(path);
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0].link, path.generic_string() + "#1");
  EXPECT_EQ(passages[1].link, path.generic_string() + "#3");
  EXPECT_EQ(passages[1].section, "S");
}

TEST(Sources, BadCsvRowNamesFileAndLine) {
  test::TempDir dir;
  const auto path = write_doc(dir.path(), "bad.csv", "text,link\nfine,a\n\"broken,b\n");
  const std::string message = error_of<InputError>([&] { read(path); });
  EXPECT_NE(message.find(path.string() + ":3:"), std::string::npos) << message;
}

TEST(Sources, MissingCardColumnNamesFileAndLine) {
  test::TempDir dir;
  const auto path = write_doc(dir.path(), "rows.jsonl", "{\"body\": \"x\"}\n");
  const std::string message = error_of<InputError>([&] { read(path); });
  EXPECT_NE(message.find(path.string() + ":1: no column 'text'"), std::string::npos) << message;
}

TEST(Sources, UnknownFormatNamesTheFile) {
  const std::string message = error_of<InputError>([] { source_format("slides.pdf"); });
  EXPECT_NE(message.find("slides.pdf: unknown document format '.pdf'"), std::string::npos) << message;
}

TEST(Sources, CardReadsColumnsAndRefusesUnknownKeys) {
  test::TempDir dir;
  const auto good = write_doc(dir.path(), "card.toml", "text = \"Explanation\"\nlink = \"Source\"\n");
  const SourceCard card = load_source_card(good);
  EXPECT_EQ(card.text, "Explanation");
  EXPECT_EQ(card.link, "Source");
  EXPECT_EQ(card.title, "title");
  const auto bad = write_doc(dir.path(), "bad.toml", "text = \"t\"\ncolumn = \"x\"\n");
  EXPECT_NE(error_of<ConfigError>([&] { load_source_card(bad); }).find("column"), std::string::npos);
}

}  // namespace
}  // namespace guardian::retrieve

// `guardian index` then `guardian retrieve` on the real binary: a small Korean and English corpus
// in three formats, ranked answers with their links and sections, an incremental second run, and
// a bad document that fails the run by name and leaves the index as it was.
#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

void write_corpus(const fs::path& docs) {
  fs::create_directories(docs);
  write_text(docs / "plans.md",
             "# 요금제 안내\n\n## 변경\n\n요금제를 변경하려면 앱에서 요금제 메뉴를 여세요.\n\n"
             "## 데이터\n\n남은 데이터가 다음 달로 이월됩니다.\n");
  write_text(docs / "roaming.html",
             "<html><head><title>Roaming</title></head><body><h1>Roaming</h1>"
             "<p>Apply for ROAMING before you leave the country.</p></body></html>");
  write_text(docs / "faq.csv", "question,answer,url\n\"How do I pay?\",\"Pay by card or bank transfer.\",https://x/pay\n");
}

TEST(RetrieveCliTest, IndexThenRetrieveRanksChunksWithTheirLinksAndSections) {
  const auto dir = fresh_dir("retrieve_cli");
  const fs::path docs = dir / "docs", index = dir / "index.sqlite";
  write_corpus(docs);
  write_text(dir / "card.toml", "text = \"answer\"\ntitle = \"question\"\nlink = \"url\"\nsection = \"\"\n");

  auto run = run_guardian({"index", "--docs", docs.string(), "--card", (dir / "card.toml").string(), "--out",
                           index.string()});
  ASSERT_EQ(run.code, 0) << run.output;
  auto lines = json_lines(run.output);
  ASSERT_EQ(lines.size(), 1u) << run.output;
  EXPECT_EQ(lines[0]["added"], 3);
  EXPECT_EQ(lines[0]["chunks"], 4);

  run = run_guardian({"retrieve", "--index", index.string(), "--k", "2", "요금제"});
  ASSERT_EQ(run.code, 0) << run.output;
  lines = json_lines(run.output);
  ASSERT_EQ(lines.size(), 1u) << run.output;
  const auto& results = lines[0]["results"];
  ASSERT_GE(results.size(), 1u) << run.output;
  EXPECT_EQ(results[0]["section"], "요금제 안내 > 변경");
  EXPECT_EQ(results[0]["title"], "요금제 안내");
  EXPECT_NE(results[0]["link"].get<std::string>().find("plans.md"), std::string::npos);
  EXPECT_GT(results[0]["score"].get<double>(), 0.0);

  // JSON Lines on stdin: ids echoed, one line per question, in order.
  run = run_guardian({"retrieve", "--index", index.string(), "--k", "1"},
                     {}, "{\"id\": 7, \"query\": \"roaming\"}\n{\"id\": 8, \"query\": \"how to pay\"}\n");
  ASSERT_EQ(run.code, 0) << run.output;
  lines = json_lines(run.output);
  ASSERT_EQ(lines.size(), 2u) << run.output;
  EXPECT_EQ(lines[0]["id"], 7);
  EXPECT_EQ(lines[0]["results"][0]["title"], "Roaming");
  EXPECT_EQ(lines[1]["results"][0]["link"], "https://x/pay");

  // Again: nothing changed, nothing is rewritten.
  run = run_guardian({"index", "--docs", docs.string(), "--card", (dir / "card.toml").string(), "--out",
                      index.string()});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_EQ(json_lines(run.output).at(0)["unchanged"], 3);
}

TEST(RetrieveCliTest, ABadDocumentFailsByNameAndLeavesTheIndex) {
  const auto dir = fresh_dir("retrieve_cli_bad");
  const fs::path docs = dir / "docs", index = dir / "index.sqlite";
  write_corpus(docs);
  ASSERT_EQ(run_guardian({"index", "--docs", (docs / "plans.md").string(), "--out", index.string()}).code, 0);
  write_text(docs / "broken.jsonl", "{\"text\": \"ok\"}\n{oops\n");
  auto run = run_guardian({"index", "--docs", (docs / "plans.md").string(), (docs / "broken.jsonl").string(),
                           "--out", index.string()});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.output.find("broken.jsonl:2:"), std::string::npos) << run.output;
  run = run_guardian({"retrieve", "--index", index.string(), "데이터"});
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_EQ(json_lines(run.output).at(0)["results"].size(), 1u) << run.output;

  run = run_guardian({"retrieve", "--index", (dir / "missing.sqlite").string(), "x"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.output.find("missing.sqlite: no such file"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace guardian::e2e

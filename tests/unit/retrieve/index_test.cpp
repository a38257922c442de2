// The index: incremental updates (unchanged skipped, changed replaced, vanished removed), BM25
// ranking through the search tokenizer on a small Korean and English corpus, and failures that
// leave the index as it was.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "core/error.h"
#include "core/sqlite.h"
#include "retrieve/indexer.h"
#include "retrieve/searcher.h"
#include "retrieve_test_helpers.h"

namespace guardian::retrieve {
namespace {

using test::error_of;
using test::write_doc;
namespace fs = std::filesystem;

class IndexTest : public ::testing::Test {
 protected:
  fs::path docs() const { return dir_.path() / "docs"; }
  fs::path index_path() const { return dir_.path() / "index.sqlite"; }
  IndexReport update(const IndexOptions& options = {}) { return update_index(index_path(), {docs()}, options); }
  std::vector<Hit> find(const std::string& question, std::size_t k = 5) {
    return search(SearchIndex::open_existing(index_path()), question, k);
  }
  void write_corpus() {
    write_doc(docs(), "plans.md",
              "# 요금제\n\n요금제를 변경하려면 앱에서 요금제 메뉴를 여세요.\n\n"
              "## 데이터\n\n데이터가 남으면 다음 달로 이월됩니다.\n");
    write_doc(docs(), "roaming.txt", "해외 로밍은 출국 전에 신청합니다.\n");
    write_doc(docs(), "lte.md", "# LTE Handover\n\nThe RRC connection reconfiguration triggers the handover.\n");
  }
  test::TempDir dir_;
};

TEST_F(IndexTest, KoreanStemsFindWordsWithTheirParticles) {
  write_corpus();
  update();
  auto hits = find("요금제");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].section, "요금제");
  EXPECT_NE(hits[0].text.find("요금제를 변경하려면"), std::string::npos);
  hits = find("데이터");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].section, "요금제 > 데이터");
  EXPECT_NE(hits[0].text.find("데이터가"), std::string::npos);
}

TEST_F(IndexTest, RankingPrefersTheChunkWithMoreRareTerms) {
  write_corpus();
  update();
  auto hits = find("로밍 신청은 언제 하나요?");
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0].link.find("roaming.txt"), std::string::npos);
  EXPECT_GT(hits[0].score, 0.0) << "scores are higher-is-better";
  // Both sections of plans.md match; the one holding more of the question's terms comes first,
  // though it was indexed second.
  hits = find("데이터 이월 요금제");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].section, "요금제 > 데이터");
  EXPECT_EQ(hits[1].section, "요금제");
  EXPECT_GT(hits[0].score, hits[1].score);
}

TEST_F(IndexTest, EnglishMatchesAcrossCase) {
  write_corpus();
  update();
  const auto hits = find("lte HANDOVER", 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].title, "LTE Handover");
}

TEST_F(IndexTest, QuerySyntaxInAQuestionIsNotAnError) {
  write_corpus();
  update();
  for (const std::string q : {"\"handover", "NEAR(rrc", "-lte", "lte*", "title:lte", "OR", "AND NOT", ")("}) {
    EXPECT_NO_THROW(find(q)) << q;
  }
  EXPECT_TRUE(find("?!").empty());
}

TEST_F(IndexTest, ReindexingIsIncremental) {
  write_corpus();
  IndexReport first = update();
  EXPECT_EQ(first.added, 3u);
  IndexReport again = update();
  EXPECT_EQ(again.unchanged, 3u);
  EXPECT_EQ(again.added + again.changed + again.removed, 0u);
  EXPECT_EQ(again.chunks, first.chunks);

  write_doc(docs(), "roaming.txt", "해외 로밍 요금은 하루 단위로 부과됩니다.\n");
  fs::remove(docs() / "lte.md");
  IndexReport changed = update();
  EXPECT_EQ(changed.changed, 1u);
  EXPECT_EQ(changed.removed, 1u);
  EXPECT_EQ(changed.unchanged, 1u);
  EXPECT_TRUE(find("handover").empty()) << "a removed document is still found";
  EXPECT_TRUE(find("출국").empty()) << "a changed document's old text is still found";
  EXPECT_FALSE(find("부과").empty());
}

TEST_F(IndexTest, ChangingChunkSettingsRechunksEverything) {
  write_corpus();
  update();
  IndexOptions options;
  options.chunks.max_chars = 40;
  options.chunks.overlap_chars = 5;
  EXPECT_EQ(update(options).changed, 3u);
}

TEST_F(IndexTest, ABadDocumentLeavesTheIndexAsItWas) {
  write_corpus();
  const IndexReport before = update();
  write_doc(docs(), "roaming.txt", "바뀐 내용\n");
  write_doc(docs(), "rows.csv", "text\n\"unterminated\n");
  const std::string message = error_of<InputError>([&] { update(); });
  EXPECT_NE(message.find("rows.csv:2:"), std::string::npos) << message;
  EXPECT_FALSE(find("출국").empty()) << "the failed run replaced a document";
  EXPECT_TRUE(find("바뀐").empty());

  IndexOptions skip;
  skip.skip_bad = true;
  const IndexReport skipped = update(skip);
  EXPECT_EQ(skipped.skipped, 1u);
  EXPECT_EQ(skipped.changed, 1u);
  ASSERT_EQ(skipped.problems.size(), 1u);
  EXPECT_NE(skipped.problems[0].find("rows.csv"), std::string::npos);
  EXPECT_EQ(before.chunks, skipped.chunks);
}

TEST_F(IndexTest, AFailedFirstRunLeavesNoIndex) {
  write_doc(docs(), "rows.jsonl", "{\"text\": \"fine\"}\nnot json\n");
  const std::string message = error_of<InputError>([&] { update(); });
  EXPECT_NE(message.find("rows.jsonl:2:"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(index_path()));
}

TEST_F(IndexTest, MissingOrUnknownDocumentsAreNamed) {
  EXPECT_NE(error_of<InputError>([&] { update_index(index_path(), {dir_.path() / "nowhere"}, {}); })
                .find("nowhere: no such file or folder"),
            std::string::npos);
  const auto pdf = write_doc(dir_.path(), "slides.pdf", "%PDF");
  EXPECT_NE(error_of<InputError>([&] { update_index(index_path(), {pdf}, {}); }).find("slides.pdf"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(index_path()));
  // In a folder, files of other formats are ignored and counted.
  write_corpus();
  write_doc(docs(), "logo.png", "png");
  EXPECT_EQ(update().ignored, 1u);
}

TEST_F(IndexTest, AnIndexFromAnotherVersionOrNotAnIndexIsRefused) {
  write_corpus();
  update();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(index_path().c_str(), &db), SQLITE_OK);
    core::sqlite::exec(db, "UPDATE meta SET value = '0' WHERE key = 'format_version'", "test");
    sqlite3_close(db);
  }
  EXPECT_NE(error_of<InputError>([&] { SearchIndex::open_existing(index_path()); }).find("another version"),
            std::string::npos);
  const auto junk = write_doc(dir_.path(), "junk.sqlite", "not a database at all, just text");
  EXPECT_NE(error_of<InputError>([&] { SearchIndex::open_existing(junk); }).find("not a guardian retrieval index"),
            std::string::npos);
}

TEST_F(IndexTest, TheHangulGramsOfAnIndexAreFixed) {
  write_corpus();
  update();
  IndexOptions other;
  other.grams = HangulGrams::kUnigramsAndBigrams;
  EXPECT_NE(error_of<InputError>([&] { update(other); }).find("made with Hangul bigrams"), std::string::npos);
}

}  // namespace
}  // namespace guardian::retrieve

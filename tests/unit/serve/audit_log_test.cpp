// AuditLog: hash-only storage keeps no text anywhere in the database, the retention purge clears
// texts older than the retention period (and only those), at open and on demand, and a drift
// sample queued for review keeps its members whole (flagged ones too) and exports alone.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "core/error.h"
#include "serve/audit_log.h"
#include "serve/feedback_export.h"
#include "core/sha256.h"
#include "serve_test_helpers.h"

namespace guardian::serve {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

AuditRecord record(const std::string& id, const std::string& text, int64_t created_ms, bool flagged = false) {
  AuditRecord r;
  r.id = id;
  r.request_id = "req-" + id;
  r.created_ms = created_ms;
  r.route = "/v1/moderations";
  r.model = "tiny@0000";
  r.policy = "tiny";
  r.policy_version = "1";
  r.text = text;
  r.flagged = flagged;
  r.category = "toxic";
  r.score = flagged ? 0.9 : 0.1;
  r.threshold = 0.5;
  r.scores = {{"toxic", r.score}};
  r.review_reason = flagged ? "flagged" : "";
  return r;
}

AuditConfig config_at(const test::Scratch& dir, const std::string& store, int retention_days) {
  AuditConfig config;
  config.path = (dir.path() / "audit.db").string();
  config.store = store;
  config.retention_days = retention_days;
  return config;
}

// Every text column of the decisions table, read straight from SQLite.
std::vector<std::pair<std::string, bool>> stored_texts(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT id, text FROM decisions ORDER BY id", -1, &stmt, nullptr), SQLITE_OK);
  std::vector<std::pair<std::string, bool>> out;  // (id, text is NULL)
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), sqlite3_column_type(stmt, 1) == SQLITE_NULL);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(AuditLog, HashOnlyStorageKeepsNoText) {
  test::Scratch dir;
  const auto config = config_at(dir, "hash", 30);
  const std::string secret = "my phone number is 010-5555-0199 call me";
  {
    AuditLog log(config);
    log.record({record("a-0", secret, now_ms(), true), record("a-1", "second private message", now_ms())}).get();
    EXPECT_EQ(log.written(), 2u);
    // As the API reads it back: no text, but its hash, so a moderator can match a text they hold.
    const auto decision = log.decision("a-0");
    ASSERT_TRUE(decision.is_object());
    EXPECT_TRUE(decision["text"].is_null());
    EXPECT_EQ(decision["text_sha256"], core::sha256_hex(secret));
    EXPECT_EQ(decision["flagged"], true);
    // The review queue lists it without a text too.
    const auto review = log.review("open", 10, 0);
    ASSERT_EQ(review["data"].size(), 1u);
    EXPECT_TRUE(review["data"][0]["text"].is_null());
  }
  // Straight from SQLite: every text column is NULL...
  const auto rows = stored_texts(config.path);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [id, is_null] : rows) EXPECT_TRUE(is_null) << id;
  // ...and the text's bytes are nowhere in the database files (main file, WAL, shared memory).
  for (const auto& suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path file = config.path + suffix;
    if (!std::filesystem::exists(file)) continue;
    const auto bytes = file_bytes(file);
    EXPECT_EQ(bytes.find("010-5555-0199"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("second private message"), std::string::npos) << file;
  }
}

TEST(AuditLog, TextStorageKeepsTheText) {
  test::Scratch dir;
  AuditLog log(config_at(dir, "text", 30));
  log.record({record("t-0", "kept text", now_ms())}).get();
  EXPECT_EQ(log.decision("t-0")["text"], "kept text");
}

TEST(AuditLog, FeedbackOnAHashedDecisionNeedsTheMatchingText) {
  test::Scratch dir;
  AuditLog log(config_at(dir, "hash", 30));
  log.record({record("h-0", "the original text", now_ms(), true)}).get();
  Feedback fb;
  fb.decision_id = "h-0";
  fb.labels = {{"toxic", 0}};
  EXPECT_THROW(log.add_feedback(fb), InputError);  // the text is not kept
  fb.text = "a different text";
  EXPECT_THROW(log.add_feedback(fb), InputError);  // does not match the hash
  fb.text = "the original text";
  EXPECT_GT(log.add_feedback(fb), 0);
}

TEST(AuditLog, ADriftSampleTakesOverItsMembersReasonAndKeepsTheirStatus) {
  test::Scratch dir;
  AuditLog log(config_at(dir, "text", 30));
  log.record({record("d-0", "flagged and then sampled", now_ms(), true), record("d-1", "sampled only", now_ms()),
              record("d-2", "flagged only", now_ms(), true), record("d-3", "neither", now_ms())})
      .get();
  Feedback fb;  // a moderator resolves d-0 before the sample is drawn
  fb.decision_id = "d-0";
  fb.labels = {{"toxic", 1}};
  fb.policy = "tiny";
  log.add_feedback(fb);
  log.queue_for_review({"d-0", "d-1"}, "drift").get();

  const auto drift = log.review("all", 10, 0, "drift")["data"];
  ASSERT_EQ(drift.size(), 2u) << drift.dump();
  EXPECT_EQ(drift[0]["id"], "d-0");  // its place in the queue is kept
  EXPECT_EQ(drift[0]["review"]["status"], "resolved");
  EXPECT_EQ(drift[1]["id"], "d-1");
  EXPECT_EQ(drift[1]["review"]["status"], "open");
  const auto flagged = log.review("all", 10, 0, "flagged")["data"];
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0]["id"], "d-2");
  EXPECT_EQ(log.review("all", 10, 0)["data"].size(), 3u);  // d-3 was never queued

  fb.decision_id = "d-1";
  fb.labels = {{"toxic", 0}};
  log.add_feedback(fb);
  fb.decision_id = "d-2";
  log.add_feedback(fb);
  log.stop();
  // The export for the sample holds the sample's labels only: the flagged d-2 is left out.
  const auto report = export_feedback(dir.path() / "audit.db", dir.path() / "sample", "sample", {}, "drift");
  EXPECT_EQ(report.rows, 2u);
  EXPECT_EQ(report.other_reason, 1u);
  const auto lines = file_bytes(report.data_file);
  EXPECT_NE(lines.find("flagged and then sampled"), std::string::npos) << lines;
  EXPECT_NE(lines.find("sampled only"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("flagged only"), std::string::npos) << lines;
  EXPECT_EQ(export_feedback(dir.path() / "audit.db", dir.path() / "all", "all").rows, 3u);
}

TEST(AuditLog, RetentionPurgesTextsOlderThanThePeriod) {
  test::Scratch dir;
  const auto config = config_at(dir, "text", 7);
  const int64_t now = now_ms();
  {
    AuditLog log(config);
    log.record({record("old-0", "eight days old", now - 8 * kDayMs), record("edge-0", "six days old", now - 6 * kDayMs),
                record("new-0", "just now", now)})
        .get();
    EXPECT_EQ(log.purge(now), 1);
    EXPECT_TRUE(log.decision("old-0")["text"].is_null());
    EXPECT_EQ(log.decision("old-0")["text_sha256"], core::sha256_hex("eight days old"));  // the decision stays, hashed
    EXPECT_EQ(log.decision("edge-0")["text"], "six days old");
    EXPECT_EQ(log.decision("new-0")["text"], "just now");
    EXPECT_EQ(log.purge(now), 0);  // nothing left to clear
    // Two days on, the six-day-old text is past the retention too.
    EXPECT_EQ(log.purge(now + 2 * kDayMs), 1);
    EXPECT_TRUE(log.decision("edge-0")["text"].is_null());
    EXPECT_EQ(log.decision("new-0")["text"], "just now");
    log.record({record("older-0", "ten days old", now - 10 * kDayMs)}).get();
  }
  // Opening the log purges too.
  {
    AuditLog log(config);
    EXPECT_TRUE(log.decision("older-0")["text"].is_null());
    EXPECT_EQ(log.decision("new-0")["text"], "just now");
  }
  const auto rows = stored_texts(config.path);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& [id, is_null] : rows) EXPECT_EQ(is_null, id != "new-0") << id;
}

TEST(AuditLog, RetentionZeroKeepsTextsForever) {
  test::Scratch dir;
  AuditLog log(config_at(dir, "text", 0));
  log.record({record("ancient-0", "from long ago", now_ms() - 3650 * kDayMs)}).get();
  EXPECT_EQ(log.purge(now_ms()), 0);
  EXPECT_EQ(log.decision("ancient-0")["text"], "from long ago");
}

}  // namespace
}  // namespace guardian::serve

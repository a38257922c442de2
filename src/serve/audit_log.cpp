#include "serve/audit_log.h"

#include <chrono>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "core/error.h"
#include "core/sqlite.h"
#include "core/sha256.h"

namespace guardian::serve {

namespace {

using core::sqlite::exec;

// The audit log's statements: their errors say "audit log".
class Statement : public core::sqlite::Statement {
 public:
  Statement(sqlite3* db, const char* sql) : core::sqlite::Statement(db, sql, "audit log") {}
};

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr size_t kMaxBatchRecords = 4096;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS decisions(
  id TEXT PRIMARY KEY, request_id TEXT NOT NULL, created_ms INTEGER NOT NULL, api_key TEXT, route TEXT,
  model TEXT, policy TEXT, policy_version TEXT, text TEXT, text_sha256 TEXT NOT NULL,
  flagged INTEGER NOT NULL, category TEXT, score REAL, threshold REAL, scores TEXT);
CREATE INDEX IF NOT EXISTS decisions_created ON decisions(created_ms);
CREATE TABLE IF NOT EXISTS review(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, decision_id TEXT NOT NULL UNIQUE, reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'open');
CREATE INDEX IF NOT EXISTS review_status ON review(status, seq);
CREATE TABLE IF NOT EXISTS feedback(
  id INTEGER PRIMARY KEY AUTOINCREMENT, decision_id TEXT, created_ms INTEGER NOT NULL, text TEXT,
  text_sha256 TEXT, labels TEXT NOT NULL, policy TEXT, reviewer TEXT, note TEXT);
)sql";

sqlite3* open_db(const std::string& path, bool durable) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw InputError(path + ": cannot open the audit log: " + message);
  }
  try {
    sqlite3_busy_timeout(db, 10000);
    exec(db, "PRAGMA journal_mode=WAL;", path);
    exec(db, durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;", path);
    exec(db, kSchema, path);
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  return db;
}

nlohmann::json decision_json(const Statement& s, int first) {
  nlohmann::json out = {{"id", s.text(first)}, {"request_id", s.text(first + 1)}, {"created_ms", s.integer(first + 2)},
                        {"model", s.text(first + 3)}, {"policy", s.text(first + 4)},
                        {"policy_version", s.text(first + 5)}, {"text_sha256", s.text(first + 7)},
                        {"flagged", s.integer(first + 8) != 0}, {"category", s.text(first + 9)},
                        {"score", s.real(first + 10)}, {"threshold", s.real(first + 11)}};
  out["text"] = s.is_null(first + 6) ? nlohmann::json(nullptr) : nlohmann::json(s.text(first + 6));
  out["scores"] = nlohmann::json::parse(s.text(first + 12), nullptr, false);
  return out;
}

constexpr const char* kDecisionColumns =
    "d.id, d.request_id, d.created_ms, d.model, d.policy, d.policy_version, d.text, d.text_sha256, d.flagged, "
    "d.category, d.score, d.threshold, d.scores";

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

AuditLog::AuditLog(AuditConfig config) : config_(std::move(config)) {
  writer_db_ = open_db(config_.path, config_.durable);
  try {
    reader_db_ = open_db(config_.path, config_.durable);
  } catch (...) {
    sqlite3_close(writer_db_);
    throw;
  }
  const int64_t cleared = purge(now_ms());
  if (cleared) spdlog::info("audit log: purged {} texts older than {} days", cleared, config_.retention_days);
  writer_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  stop();
  sqlite3_close(reader_db_);
  sqlite3_close(writer_db_);
}

std::future<void> AuditLog::record(std::vector<AuditRecord> records) {
  return enqueue(Batch{std::move(records), {}, {}, {}});
}

std::future<void> AuditLog::queue_for_review(std::vector<std::string> decision_ids, std::string reason) {
  return enqueue(Batch{{}, {}, std::move(decision_ids), std::move(reason)});
}

std::future<void> AuditLog::enqueue(Batch batch) {
  auto future = batch.done.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw Error("the audit log is closed");
    pending_ += batch.records.size();
    queue_.push_back(std::move(batch));
  }
  wake_.notify_one();
  return future;
}

size_t AuditLog::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

uint64_t AuditLog::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

void AuditLog::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void AuditLog::run() {
  auto next_purge = std::chrono::steady_clock::now() + std::chrono::hours(1);
  for (;;) {
    std::vector<Batch> batches;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_purge, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      size_t taken = 0;
      while (!queue_.empty() && (batches.empty() || taken + queue_.front().records.size() <= kMaxBatchRecords)) {
        taken += queue_.front().records.size();
        batches.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batches.empty()) write(batches);
    if (std::chrono::steady_clock::now() >= next_purge) {
      try {
        purge(now_ms());
      } catch (const std::exception& e) {
        spdlog::error("audit log: purge failed: {}", e.what());
      }
      next_purge = std::chrono::steady_clock::now() + std::chrono::hours(1);
    }
  }
}

void AuditLog::write(std::vector<Batch>& batches) {
  size_t count = 0;
  std::exception_ptr failure;
  try {
    exec(writer_db_, "BEGIN IMMEDIATE;", config_.path);
    try {
      Statement insert(writer_db_,
                       "INSERT OR REPLACE INTO decisions(id, request_id, created_ms, api_key, route, model, policy, "
                       "policy_version, text, text_sha256, flagged, category, score, threshold, scores) "
                       "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      Statement review(writer_db_, "INSERT OR IGNORE INTO review(decision_id, reason, created_ms) VALUES(?,?,?)");
      Statement requeue(writer_db_,
                        "INSERT INTO review(decision_id, reason, created_ms) VALUES(?,?,?) "
                        "ON CONFLICT(decision_id) DO UPDATE SET reason = excluded.reason");
      const int64_t now = now_ms();
      const bool keep_text = config_.store == "text";
      for (const auto& batch : batches) {
        for (const auto& r : batch.records) {
          insert.bind(1, r.id).bind(2, r.request_id).bind(3, r.created_ms).bind(4, r.key).bind(5, r.route);
          insert.bind(6, r.model).bind(7, r.policy).bind(8, r.policy_version);
          if (keep_text) insert.bind(9, r.text); else insert.bind_null(9);
          insert.bind(10, core::sha256_hex(r.text)).bind(11, int64_t{r.flagged}).bind(12, r.category);
          insert.bind(13, r.score).bind(14, r.threshold).bind(15, r.scores.dump());
          insert.step();
          insert.reset();
          if (!r.review_reason.empty()) {
            review.bind(1, r.id).bind(2, r.review_reason).bind(3, r.created_ms);
            review.step();
            review.reset();
          }
          ++count;
        }
        for (const auto& id : batch.review_ids) {
          requeue.bind(1, id).bind(2, batch.review_reason).bind(3, now);
          requeue.step();
          requeue.reset();
        }
      }
      exec(writer_db_, "COMMIT;", config_.path);
    } catch (...) {
      sqlite3_exec(writer_db_, "ROLLBACK;", nullptr, nullptr, nullptr);
      throw;
    }
  } catch (...) {
    spdlog::error("audit log: writing {} records failed", count);
    failure = std::current_exception();
    count = 0;
  }
  // The counters move before any waiter is woken, so a caller that waited on its batch sees it
  // counted (written(), pending()).
  size_t total = 0;
  for (const auto& batch : batches) total += batch.records.size();
  {
    std::lock_guard lock(mutex_);
    pending_ -= total;
    written_ += count;
  }
  for (auto& batch : batches) {
    if (failure) batch.done.set_exception(failure); else batch.done.set_value();
  }
}

int64_t AuditLog::purge(int64_t now) {
  if (config_.retention_days <= 0) return 0;
  std::lock_guard lock(reader_mutex_);
  const int64_t cutoff = now - static_cast<int64_t>(config_.retention_days) * kDayMs;
  Statement purge(reader_db_, "UPDATE decisions SET text = NULL WHERE created_ms < ? AND text IS NOT NULL");
  purge.bind(1, cutoff);
  purge.step();
  return sqlite3_changes(reader_db_);
}

nlohmann::json AuditLog::review(const std::string& status, int limit, int64_t after, const std::string& reason) const {
  std::lock_guard lock(reader_mutex_);
  std::string sql = std::string("SELECT r.seq, r.reason, r.status, ") + kDecisionColumns +
                    " FROM review r JOIN decisions d ON d.id = r.decision_id WHERE r.seq > ?";
  if (status != "all") sql += " AND r.status = ?";
  if (!reason.empty()) sql += " AND r.reason = ?";
  sql += " ORDER BY r.seq LIMIT ?";
  Statement s(reader_db_, sql.c_str());
  int i = 1;
  s.bind(i++, after);
  if (status != "all") s.bind(i++, status);
  if (!reason.empty()) s.bind(i++, reason);
  s.bind(i, int64_t{limit});
  nlohmann::json data = nlohmann::json::array();
  int64_t last = after;
  while (s.step()) {
    auto item = decision_json(s, 3);
    item["review"] = {{"reason", s.text(1)}, {"status", s.text(2)}};
    last = s.integer(0);
    data.push_back(std::move(item));
  }
  nlohmann::json out = {{"object", "list"}, {"data", data}};
  out["next_cursor"] = static_cast<int>(data.size()) == limit ? nlohmann::json(last) : nlohmann::json(nullptr);
  return out;
}

nlohmann::json AuditLog::decision(const std::string& id) const {
  std::lock_guard lock(reader_mutex_);
  Statement s(reader_db_, (std::string("SELECT ") + kDecisionColumns + " FROM decisions d WHERE d.id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return nullptr;
  return decision_json(s, 0);
}

int64_t AuditLog::add_feedback(const Feedback& feedback) {
  std::lock_guard lock(reader_mutex_);
  std::string text = feedback.text;
  if (!feedback.decision_id.empty()) {
    Statement s(reader_db_, "SELECT text, text_sha256 FROM decisions WHERE id = ?");
    s.bind(1, feedback.decision_id);
    if (!s.step()) throw InputError("no decision with id '" + feedback.decision_id + "' in the audit log");
    if (!text.empty()) {
      if (core::sha256_hex(text) != s.text(1)) {
        throw InputError("'text' does not match the text of decision '" + feedback.decision_id + "'");
      }
    } else if (!s.is_null(0)) {
      text = s.text(0);
    } else {
      throw InputError("the text of decision '" + feedback.decision_id +
                       "' is not kept (hashed or purged); send it as 'text' with the labels");
    }
  } else if (text.empty()) {
    throw InputError("feedback needs a decision 'id' or a 'text'");
  }
  exec(reader_db_, "BEGIN IMMEDIATE;", config_.path);
  try {
    Statement insert(reader_db_,
                     "INSERT INTO feedback(decision_id, created_ms, text, text_sha256, labels, policy, reviewer, note) "
                     "VALUES(?,?,?,?,?,?,?,?)");
    if (feedback.decision_id.empty()) insert.bind_null(1); else insert.bind(1, feedback.decision_id);
    insert.bind(2, now_ms()).bind(3, text).bind(4, core::sha256_hex(text)).bind(5, feedback.labels.dump());
    insert.bind(6, feedback.policy).bind(7, feedback.reviewer).bind(8, feedback.note);
    insert.step();
    const int64_t id = sqlite3_last_insert_rowid(reader_db_);
    if (!feedback.decision_id.empty()) {
      Statement resolve(reader_db_, "UPDATE review SET status = 'resolved' WHERE decision_id = ?");
      resolve.bind(1, feedback.decision_id);
      resolve.step();
    }
    exec(reader_db_, "COMMIT;", config_.path);
    return id;
  } catch (...) {
    sqlite3_exec(reader_db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<nlohmann::json> read_feedback(const std::string& db_path, size_t* skipped) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw InputError(db_path + ": cannot open the audit log: " + message);
  }
  std::vector<nlohmann::json> rows;
  size_t missing = 0;
  try {
    Statement s(db,
                "SELECT f.id, f.decision_id, f.created_ms, f.text, f.labels, f.policy, f.reviewer, f.note, r.reason "
                "FROM feedback f LEFT JOIN review r ON r.decision_id = f.decision_id ORDER BY f.id");
    while (s.step()) {
      if (s.is_null(3) || s.text(3).empty()) {
        ++missing;
        continue;
      }
      rows.push_back({{"id", s.integer(0)},
                      {"decision_id", s.is_null(1) ? nlohmann::json(nullptr) : nlohmann::json(s.text(1))},
                      {"created_ms", s.integer(2)}, {"text", s.text(3)},
                      {"labels", nlohmann::json::parse(s.text(4), nullptr, false)}, {"policy", s.text(5)},
                      {"reviewer", s.text(6)}, {"note", s.text(7)},
                      {"review_reason", s.is_null(8) ? nlohmann::json(nullptr) : nlohmann::json(s.text(8))}});
    }
  } catch (const FormatError& e) {
    sqlite3_close(db);
    throw FormatError(db_path + ": not a guardian audit log (" + e.what() + ")");
  }
  sqlite3_close(db);
  if (skipped) *skipped = missing;
  return rows;
}

}  // namespace guardian::serve

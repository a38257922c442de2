// The audit log and review queue: every decision in SQLite (WAL mode), written in batches by one
// writer thread off the request path; with durability on, record()'s future completes only once
// the decision is committed, so a response can wait for it. Flagged and low-confidence decisions
// enter the review queue; moderators' corrected labels are kept as feedback for retraining.
// Texts are kept, or only their SHA-256, as configured; texts older than the retention are purged.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/serve_config.h"

struct sqlite3;

namespace guardian::serve {

// One decision on one text.
struct AuditRecord {
  std::string id;              // decision id: "<request id>-<index>"
  std::string request_id;      // the HTTP answer's id
  int64_t created_ms = 0;      // Unix time, milliseconds
  std::string key;             // the API key's safe name, or ""
  std::string route;           // "/v1/moderations"
  std::string model;           // model id
  std::string policy;          // policy name
  std::string policy_version;  // policy version
  std::string text;            // the text as received (stored or hashed per configuration)
  bool flagged = false;
  std::string category;        // the deciding (or top) category
  double score = 0.0;          // its score
  double threshold = 0.0;      // its threshold
  nlohmann::json scores;       // {category: P(level >= 1)}
  std::string review_reason;   // "flagged", "low_confidence" or "" (not queued for review); "drift"
                               // and "random" are given later, by queue_for_review
};

// Why a decision is in the review queue: its own flag or doubt, or a sample it was drawn into (a
// drifted window's, or the steady random one). The review listing and the export filter by these.
inline const std::vector<std::string> kReviewReasons = {"flagged", "low_confidence", "drift", "random"};

// A moderator's corrected labels.
struct Feedback {
  std::string decision_id;     // the decision corrected, or "" for a text given directly
  std::string text;            // required when there is no decision or its text was not kept
  nlohmann::json labels;       // {category: level index}, checked against the policy by the caller
  std::string policy;          // the policy the labels are in
  std::string reviewer;        // who corrected it
  std::string note;            // free text
};

class AuditLog {
 public:
  // Opens or creates the database (FormatError naming the file when it is not one of ours).
  explicit AuditLog(AuditConfig config);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues records for the writer; the future is ready once they are committed (or failed).
  std::future<void> record(std::vector<AuditRecord> records);
  // Puts decisions (recorded already, or in an earlier call to record) in the review queue for
  // `reason`, which replaces any reason they were queued for before, so that a random sample stays
  // whole (its flagged members too); their review status is kept.
  std::future<void> queue_for_review(std::vector<std::string> decision_ids, std::string reason);
  // Review queue items, oldest first: status "open", "resolved" or "all"; reason: only those queued
  // for it ("" all); after = cursor from a previous page. {"object":"list","data":[...],"next_cursor":..}
  nlohmann::json review(const std::string& status, int limit, int64_t after, const std::string& reason = "") const;
  // One decision as stored, or null.
  nlohmann::json decision(const std::string& id) const;
  // Stores a correction and resolves the decision's review item; returns the feedback id.
  // InputError when the decision is unknown, or its text is not kept and none matching it is given.
  int64_t add_feedback(const Feedback& feedback);
  // Clears texts older than the retention; returns how many were cleared.
  int64_t purge(int64_t now_ms);

  size_t pending() const;           // records queued, not yet committed
  uint64_t written() const;         // records committed since start
  // Commits what is queued and stops the writer. Safe to call twice.
  void stop();

 private:
  struct Batch {
    std::vector<AuditRecord> records;
    std::promise<void> done;
    std::vector<std::string> review_ids;  // queue_for_review's
    std::string review_reason;
  };
  std::future<void> enqueue(Batch batch);
  void run();
  void write(std::vector<Batch>& batches);

  AuditConfig config_;
  sqlite3* writer_db_ = nullptr;    // used by the writer thread only
  sqlite3* reader_db_ = nullptr;    // reads and feedback, under reader_mutex_
  mutable std::mutex reader_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Batch> queue_;
  size_t pending_ = 0;
  uint64_t written_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

int64_t now_ms();

// Reads the feedback of a database for export: one JSON object per correction
// {"id","decision_id","created_ms","text","labels","policy","reviewer","note","review_reason"}
// (review_reason null when the decision was never queued, or no decision was named); rows whose text was
// purged or never kept are skipped and counted in *skipped.
std::vector<nlohmann::json> read_feedback(const std::string& db_path, size_t* skipped);

}  // namespace guardian::serve

// A thin layer over SQLite's C API for the modules that keep a database (the server's audit log,
// the retrieval index): prepared statements that finalise themselves and errors that name where.
#pragma once

#include <cstdint>
#include <string>

#include <sqlite3.h>

#include "core/error.h"

namespace guardian::core::sqlite {

// A prepared statement that finalises itself. Errors are FormatErrors prefixed by `where` (the
// database's name for its user: "audit log").
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, std::string where = "sqlite") : db_(db), where_(std::move(where)) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw FormatError(where_ + ": cannot prepare statement: " + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) { sqlite3_bind_null(stmt_, i); return *this; }
  Statement& bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); return *this; }
  Statement& bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); return *this; }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw FormatError(where_ + ": " + sqlite3_errmsg(db_));
  }
  void reset() { sqlite3_reset(stmt_); sqlite3_clear_bindings(stmt_); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3* db_;
  std::string where_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs SQL without results (schema, pragmas, BEGIN/COMMIT); FormatError "where: message".
inline void exec(sqlite3* db, const std::string& sql, const std::string& where) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw FormatError(where + ": " + message);
  }
}

}  // namespace guardian::core::sqlite

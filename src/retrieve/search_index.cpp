#include "retrieve/search_index.h"

#include "core/error.h"
#include "core/sqlite.h"

namespace guardian::retrieve {

namespace fs = std::filesystem;

namespace {

// chunks_fts reads its text from chunks (external content); the triggers keep the two in step,
// so deleting a document's chunks deletes their postings.
std::string schema(HangulGrams grams) {
  return R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL,
  chunks INTEGER NOT NULL);
CREATE TABLE chunks(id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL, ordinal INTEGER NOT NULL,
  link TEXT NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX chunks_document ON chunks(document_id);
CREATE VIRTUAL TABLE chunks_fts USING fts5(title, section, text, content='chunks', content_rowid='id',
  tokenize=")sql" + std::string(kTokenizerName) + " '" + to_string(grams) + R"sql('");
CREATE TRIGGER chunks_inserted AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts(rowid, title, section, text) VALUES (new.id, new.title, new.section, new.text);
END;
CREATE TRIGGER chunks_deleted AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts(chunks_fts, rowid, title, section, text)
    VALUES ('delete', old.id, old.title, old.section, old.text);
END;
)sql";
}

sqlite3* open_db(const fs::path& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw InputError("index " + path.string() + ": cannot open: " + message);
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

}  // namespace

SearchIndex SearchIndex::open_existing(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw InputError("index " + path.string() + ": no such file (make it with guardian index)");
  SearchIndex index(path, open_db(path, SQLITE_OPEN_READONLY));
  index.read_meta();  // first: a file that is no index is named so, not blamed on FTS5
  register_search_tokenizer(index.db_);
  return index;
}

SearchIndex SearchIndex::open_for_update(const fs::path& path, HangulGrams grams) {
  const bool exists = fs::exists(path);
  SearchIndex index(path, open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  // Everything from here to commit() is one transaction: a failed run changes nothing, and a
  // first run that fails leaves an empty file the caller removes.
  core::sqlite::exec(index.db_, "BEGIN IMMEDIATE;", index.where());
  if (exists) index.read_meta();
  register_search_tokenizer(index.db_);
  if (exists) {
    if (index.grams_ != grams) {
      throw InputError(index.where() + ": made with Hangul " + to_string(index.grams_) + ", not " + to_string(grams) +
                       " (write a new index to change the tokenisation)");
    }
    return index;
  }
  core::sqlite::exec(index.db_, schema(grams), index.where());
  core::sqlite::Statement meta(index.db_, "INSERT INTO meta(key, value) VALUES (?1, ?2)", index.where());
  meta.bind(1, std::string("format_version")).bind(2, std::to_string(kIndexFormatVersion)).step();
  meta.reset();
  meta.bind(1, std::string("hangul_grams")).bind(2, to_string(grams)).step();
  index.grams_ = grams;
  return index;
}

void SearchIndex::read_meta() {
  std::string version, grams;
  try {
    core::sqlite::Statement meta(db_, "SELECT key, value FROM meta", where());
    while (meta.step()) {
      if (meta.text(0) == "format_version") version = meta.text(1);
      if (meta.text(0) == "hangul_grams") grams = meta.text(1);
    }
  } catch (const FormatError&) {
    throw InputError(where() + ": not a guardian retrieval index");
  }
  if (version != std::to_string(kIndexFormatVersion)) {
    throw InputError(where() + ": made by another version of guardian (index format " +
                     (version.empty() ? "unknown" : version) + ", this one reads " +
                     std::to_string(kIndexFormatVersion) + "): rebuild it with guardian index");
  }
  grams_ = parse_hangul_grams(grams);
}

void SearchIndex::commit() { core::sqlite::exec(db_, "COMMIT;", where()); }

SearchIndex::~SearchIndex() {
  if (!db_) return;
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(db_);
}

SearchIndex::SearchIndex(SearchIndex&& other) noexcept
    : path_(std::move(other.path_)), db_(other.db_), grams_(other.grams_) {
  other.db_ = nullptr;
}

}  // namespace guardian::retrieve

// The retrieval index: one SQLite file holding the indexed documents (path and fingerprint, for
// incremental updates), their chunks (link, title, section, text) and an FTS5 table over the
// chunks tokenised by the search tokenizer, ranked by FTS5's BM25. A file from another format
// version, or one that is not an index, is refused when opened.
#pragma once

#include <filesystem>
#include <string>

#include <sqlite3.h>

#include "retrieve/search_tokenizer.h"

namespace guardian::retrieve {

// Bumped when the schema or the tokenizer's output changes: older indexes must be rebuilt.
inline constexpr int kIndexFormatVersion = 1;

class SearchIndex {
 public:
  // Opens an index for reading; InputError naming the path when it is missing, not an index, or
  // from another format version.
  static SearchIndex open_existing(const std::filesystem::path& path);
  // Opens an index for writing, creating it (with these grams) when the file does not exist; an
  // existing index keeps the grams it was made with (InputError if they differ from grams).
  // Returns inside a write transaction: commit() keeps the changes, destroying the index without
  // it rolls them back.
  static SearchIndex open_for_update(const std::filesystem::path& path, HangulGrams grams);

  ~SearchIndex();
  SearchIndex(SearchIndex&& other) noexcept;
  SearchIndex& operator=(SearchIndex&&) = delete;
  SearchIndex(const SearchIndex&) = delete;

  void commit();
  sqlite3* db() const { return db_; }
  HangulGrams grams() const { return grams_; }
  const std::filesystem::path& path() const { return path_; }
  // How errors name this index: "index PATH".
  std::string where() const { return "index " + path_.string(); }

 private:
  SearchIndex(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  void read_meta();

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  HangulGrams grams_ = HangulGrams::kBigrams;
};

}  // namespace guardian::retrieve

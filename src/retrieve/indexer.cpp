#include "retrieve/indexer.h"

#include <algorithm>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "core/sqlite.h"
#include "retrieve/search_index.h"
#include "retrieve/source.h"

namespace guardian::retrieve {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& relative) {
  for (const auto& part : relative) {
    const std::string name = part.string();
    if (name.size() > 1 && name[0] == '.' && name != "..") return true;
  }
  return false;
}

// Everything that decides a document's chunks: its bytes, its link, and the settings.
std::string fingerprint(const fs::path& file, std::string_view bytes, const std::string& link,
                        const IndexOptions& options) {
  std::string out = core::sha256_hex(bytes) + "|" + options.chunks.fingerprint() + "|link=" + link;
  const SourceFormat format = source_format(file);
  if (format == SourceFormat::kCsv || format == SourceFormat::kJsonLines) out += "|" + options.card.fingerprint();
  return out;
}

struct Stored {
  int64_t id = 0;
  std::string fingerprint;
};

}  // namespace

std::vector<fs::path> document_files(const std::vector<fs::path>& paths, std::size_t* ignored) {
  std::vector<fs::path> out;
  for (const fs::path& given : paths) {
    std::error_code ec;
    if (fs::is_regular_file(given, ec)) {
      source_format(given);  // a named file must be a document
      out.push_back(given);
      continue;
    }
    if (!fs::is_directory(given, ec)) throw InputError(given.string() + ": no such file or folder");
    std::vector<fs::path> found;
    try {
      for (const auto& entry : fs::recursive_directory_iterator(given)) {
        if (!entry.is_regular_file() || hidden(fs::relative(entry.path(), given))) continue;
        try {
          source_format(entry.path());
          found.push_back(entry.path());
        } catch (const InputError&) {
          if (ignored) ++*ignored;
        }
      }
    } catch (const fs::filesystem_error& e) {
      throw InputError(e.path1().string() + ": cannot list: " + e.code().message());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

IndexReport update_index(const fs::path& index_path, const std::vector<fs::path>& paths, const IndexOptions& options) {
  options.chunks.validate();
  IndexReport report;
  const std::vector<fs::path> files = document_files(paths, &report.ignored);
  report.documents = files.size();
  const bool created = !fs::exists(index_path);
  try {
    SearchIndex index = SearchIndex::open_for_update(index_path, options.grams);
    sqlite3* db = index.db();
    const std::string where = index.where();
    std::map<std::string, Stored> stored;
    {
      core::sqlite::Statement all(db, "SELECT path, id, fingerprint FROM documents", where);
      while (all.step()) stored[all.text(0)] = {all.integer(1), all.text(2)};
    }
    core::sqlite::Statement drop_chunks(db, "DELETE FROM chunks WHERE document_id = ?1", where);
    core::sqlite::Statement drop_document(db, "DELETE FROM documents WHERE id = ?1", where);
    core::sqlite::Statement put_document(
        db, "INSERT INTO documents(path, fingerprint, chunks) VALUES (?1, ?2, ?3)", where);
    core::sqlite::Statement put_chunk(
        db, "INSERT INTO chunks(document_id, ordinal, link, title, section, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        where);
    auto remove = [&](int64_t id) {
      drop_chunks.reset();
      drop_chunks.bind(1, id).step();
      drop_document.reset();
      drop_document.bind(1, id).step();
    };

    std::set<std::string> seen;
    for (const fs::path& file : files) {
      const std::string key = fs::absolute(file).lexically_normal().string();
      if (!seen.insert(key).second) continue;  // named twice (a file and its folder)
      const std::string link = file.generic_string();
      const auto old = stored.find(key);
      std::vector<Chunk> chunks;
      std::string print;
      try {
        const std::string bytes = core::read_file(file);
        print = fingerprint(file, bytes, link, options);
        if (old != stored.end() && old->second.fingerprint == print) {
          ++report.unchanged;
          continue;
        }
        chunks = chunk_passages(read_passages(file, bytes, link, options.card), options.chunks);
      } catch (const InputError& e) {
        if (!options.skip_bad) throw;
        ++report.skipped;
        report.problems.push_back(e.what());
        spdlog::warn("skipped {}", e.what());
        continue;  // its previous chunks, if any, stay
      }
      if (old != stored.end()) {
        remove(old->second.id);
        ++report.changed;
      } else {
        ++report.added;
      }
      put_document.reset();
      put_document.bind(1, key).bind(2, print).bind(3, static_cast<int64_t>(chunks.size())).step();
      const int64_t document_id = sqlite3_last_insert_rowid(db);
      for (std::size_t i = 0; i < chunks.size(); ++i) {
        put_chunk.reset();
        put_chunk.bind(1, document_id).bind(2, static_cast<int64_t>(i)).bind(3, chunks[i].link);
        put_chunk.bind(4, chunks[i].title).bind(5, chunks[i].section).bind(6, chunks[i].text).step();
      }
    }
    for (const auto& [key, document] : stored) {
      if (seen.count(key)) continue;
      remove(document.id);
      ++report.removed;
    }
    core::sqlite::Statement count(db, "SELECT count(*) FROM chunks", where);
    count.step();
    report.chunks = static_cast<std::size_t>(count.integer(0));
    index.commit();
  } catch (...) {
    // The transaction rolled back as the index closed; a file this run created holds nothing.
    if (created) {
      std::error_code ec;
      fs::remove(index_path, ec);
      fs::remove(fs::path(index_path.string() + "-journal"), ec);
    }
    throw;
  }
  return report;
}

}  // namespace guardian::retrieve

#include "retrieve/searcher.h"

#include "core/sqlite.h"
#include "retrieve/match_query.h"

namespace guardian::retrieve {

std::vector<Hit> search(const SearchIndex& index, const std::string& question, std::size_t k) {
  std::vector<Hit> hits;
  const std::string match = match_query(question, index.grams());
  if (match.empty() || k == 0) return hits;
  core::sqlite::Statement query(index.db(),
                                "SELECT bm25(chunks_fts), c.id, c.link, c.title, c.section, c.text "
                                "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
                                "WHERE chunks_fts MATCH ?1 ORDER BY bm25(chunks_fts) LIMIT ?2",
                                index.where());
  query.bind(1, match).bind(2, static_cast<int64_t>(k));
  while (query.step()) {
    hits.push_back({-query.real(0), query.integer(1), query.text(2), query.text(3), query.text(4), query.text(5)});
  }
  return hits;
}

}  // namespace guardian::retrieve

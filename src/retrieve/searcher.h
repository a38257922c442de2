// Ranked retrieval over an index: the question's tokens through FTS5's MATCH, chunks ordered by
// BM25 (title, section and text columns weighed alike), best first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "retrieve/search_index.h"

namespace guardian::retrieve {

struct Hit {
  double score = 0;     // BM25, higher is better (FTS5's bm25() negated)
  int64_t chunk = 0;    // the chunk's id in the index
  std::string link;     // what to cite
  std::string title;    // the document's title
  std::string section;  // the section the chunk is from
  std::string text;     // the chunk
};

// The k best chunks for a question (fewer when fewer match; none for a question without tokens).
std::vector<Hit> search(const SearchIndex& index, const std::string& question, std::size_t k);

}  // namespace guardian::retrieve

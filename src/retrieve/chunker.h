// Passages cut into chunks that retrieval ranks and answers cite: whole paragraphs packed up to a
// size limit, a paragraph longer than the limit cut at spaces, and the end of each chunk repeated
// at the start of the next within the same passage (so a sentence cut at a boundary is whole in
// one of them). A chunk never spans two passages: its link and section stay true.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "retrieve/source.h"

namespace guardian::retrieve {

struct ChunkOptions {
  std::size_t max_chars = 1000;     // most characters (code points) in a chunk
  std::size_t overlap_chars = 100;  // characters of a chunk's end repeated at the next one's start

  // InputError unless 20 <= max_chars and overlap_chars <= max_chars / 2.
  void validate() const;
  // "max=..;overlap=.." for fingerprints: changing the options re-chunks every document.
  std::string fingerprint() const;
};

struct Chunk {
  std::string link;     // the passage's link
  std::string title;    // the passage's document title
  std::string section;  // the passage's section
  std::string text;     // paragraphs joined by a blank line
};

std::vector<Chunk> chunk_passages(const std::vector<Passage>& passages, const ChunkOptions& options);

}  // namespace guardian::retrieve

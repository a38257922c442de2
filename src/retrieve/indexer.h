// guardian index: documents in, chunks and their postings out, incrementally. Each document is
// known by its absolute path and a fingerprint (SHA-256 of its bytes plus the chunking settings
// and card that shaped its chunks): an unchanged one is skipped, a changed one has its chunks
// replaced, and one no longer among the given documents loses its chunks. The whole update is
// one transaction, so an error leaves the index exactly as it was.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "retrieve/chunker.h"
#include "retrieve/search_tokenizer.h"
#include "retrieve/source_card.h"

namespace guardian::retrieve {

struct IndexOptions {
  ChunkOptions chunks;                       // chunk size and overlap
  HangulGrams grams = HangulGrams::kBigrams; // Hangul tokenisation of a new index
  SourceCard card;                           // the columns of CSV and JSON Lines documents
  bool skip_bad = false;                     // report a bad document, keep its previous chunks, go on
};

struct IndexReport {
  std::size_t documents = 0;  // document files found under the given paths
  std::size_t added = 0;      // new documents indexed
  std::size_t changed = 0;    // documents whose chunks were replaced
  std::size_t unchanged = 0;  // documents skipped: same fingerprint
  std::size_t removed = 0;    // documents dropped: no longer given
  std::size_t skipped = 0;    // bad documents skipped (skip_bad)
  std::size_t ignored = 0;    // files in given folders whose format is not a document's
  std::size_t chunks = 0;     // chunks in the index afterwards
  std::vector<std::string> problems;  // one line per skipped document
};

// The document files under paths: a file as given (InputError if it is missing or its format is
// unknown); a folder's files recursively, sorted, hidden ones left out, other formats ignored.
std::vector<std::filesystem::path> document_files(const std::vector<std::filesystem::path>& paths,
                                                  std::size_t* ignored = nullptr);

// Makes the index at index_path mirror the documents under paths.
IndexReport update_index(const std::filesystem::path& index_path, const std::vector<std::filesystem::path>& paths,
                         const IndexOptions& options);

}  // namespace guardian::retrieve

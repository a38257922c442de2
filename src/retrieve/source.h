// Documents as passages: each file format read into runs of paragraphs under one section, with the
// link and section a chunk cites. Plain text, Markdown and HTML are one document per file; CSV
// rows and JSON Lines objects are one passage each, their columns named by a SourceCard.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "retrieve/source_card.h"

namespace guardian::retrieve {

// Paragraphs that share a link, title and section; the chunker never mixes two passages.
struct Passage {
  std::string link;                     // what a citation points at: the file, or a row's link
  std::string title;                    // the document's title ("" when it has none)
  std::string section;                  // heading path ("Plans > Changing plans") or a row's section
  std::vector<std::string> paragraphs;  // normalised text, in order, none empty
};

enum class SourceFormat { kText, kMarkdown, kHtml, kJsonLines, kCsv };

// From the file's extension (.txt .md .markdown .html .htm .jsonl .csv, any case); InputError
// naming the file for any other.
SourceFormat source_format(const std::filesystem::path& path);

// The passages of one file whose bytes are given (CSV and JSON Lines are read again row by row).
// link names the file in passages that have no link column. InputError "FILE:LINE: what" on a
// malformed row.
std::vector<Passage> read_passages(const std::filesystem::path& path, std::string_view bytes,
                                   const std::string& link, const SourceCard& card);

// Per format (text here in source.cpp; source_markdown.cpp, source_html.cpp, source_rows.cpp).
std::vector<Passage> text_passages(std::string_view bytes, const std::string& link, const std::string& title);
std::vector<Passage> markdown_passages(std::string_view bytes, const std::string& link, const std::string& title);
std::vector<Passage> html_passages(std::string_view bytes, const std::string& link, const std::string& title);
std::vector<Passage> row_passages(const std::filesystem::path& path, SourceFormat format, const std::string& link,
                                  const SourceCard& card);

// Adds a paragraph (normalised; invalid UTF-8 replaced) unless it is blank.
void add_paragraph(Passage& passage, std::string_view text);

}  // namespace guardian::retrieve

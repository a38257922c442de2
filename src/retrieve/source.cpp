#include "retrieve/source.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "text/normalize.h"

namespace guardian::retrieve {

namespace fs = std::filesystem;

SourceFormat source_format(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".txt" || ext == ".text") return SourceFormat::kText;
  if (ext == ".md" || ext == ".markdown") return SourceFormat::kMarkdown;
  if (ext == ".html" || ext == ".htm") return SourceFormat::kHtml;
  if (ext == ".jsonl") return SourceFormat::kJsonLines;
  if (ext == ".csv") return SourceFormat::kCsv;
  throw InputError(path.string() + ": unknown document format '" + ext +
                   "' (expected .txt, .md, .html, .jsonl or .csv)");
}

void add_paragraph(Passage& passage, std::string_view text) {
  std::string normal = text::normalize_lossy(text);
  if (!normal.empty()) passage.paragraphs.push_back(std::move(normal));
}

std::vector<Passage> text_passages(std::string_view bytes, const std::string& link, const std::string& title) {
  // Paragraphs are separated by blank lines; the lines of one paragraph join.
  Passage passage{link, title, "", {}};
  std::string paragraph;
  std::size_t pos = 0;
  while (pos <= bytes.size()) {
    std::size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    const std::string_view line = bytes.substr(pos, end - pos);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      add_paragraph(passage, paragraph);
      paragraph.clear();
    } else {
      paragraph.append(line).push_back('\n');
    }
    pos = end + 1;
  }
  add_paragraph(passage, paragraph);
  if (passage.paragraphs.empty()) return {};
  return {std::move(passage)};
}

std::vector<Passage> read_passages(const fs::path& path, std::string_view bytes, const std::string& link,
                                   const SourceCard& card) {
  const SourceFormat format = source_format(path);
  const std::string title = path.stem().string();
  switch (format) {
    case SourceFormat::kText: return text_passages(bytes, link, title);
    case SourceFormat::kMarkdown: return markdown_passages(bytes, link, title);
    case SourceFormat::kHtml: return html_passages(bytes, link, title);
    case SourceFormat::kJsonLines:
    case SourceFormat::kCsv: return row_passages(path, format, link, card);
  }
  return {};
}

}  // namespace guardian::retrieve

// CSV rows and JSON Lines objects, read by the data module's row reader (RFC 4180 CSV with a
// header row, quoted fields across lines): one passage per row, its columns named by the card.
#include "core/error.h"
#include "data/card.h"
#include "data/rows.h"
#include "retrieve/source.h"
#include "text/normalize.h"

namespace guardian::retrieve {

namespace {

// The row's value of a column. A column the card named must be there; a default one may be absent.
std::string column(const data::Row& row, const std::string& name, bool required, const SourceCard& card) {
  if (name.empty()) return "";
  const auto it = row.fields.find(name);
  if (it != row.fields.end()) return it->second;
  if (required || card.named) {
    throw InputError(row.file + ":" + std::to_string(row.line) + ": no column '" + name + "'" +
                     (card.named ? "" : " (give --card naming the text, title, link and section columns)"));
  }
  return "";
}

}  // namespace

std::vector<Passage> row_passages(const std::filesystem::path& path, SourceFormat format, const std::string& link,
                                  const SourceCard& card) {
  data::Card rows;
  rows.name = path.string();
  rows.format = format == SourceFormat::kCsv ? "csv" : "jsonl";
  rows.header = true;
  data::SplitFiles files{{path.string()}, {}};
  std::vector<Passage> passages;
  data::for_each_row(
      rows, files, std::filesystem::path(),
      [&](data::Row& row) {
        Passage passage;
        passage.link = text::normalize_lossy(column(row, card.link, false, card));
        if (passage.link.empty()) passage.link = link + "#" + std::to_string(row.line);
        passage.title = text::normalize_lossy(column(row, card.title, false, card));
        passage.section = text::normalize_lossy(column(row, card.section, false, card));
        add_paragraph(passage, column(row, card.text, true, card));
        if (!passage.paragraphs.empty()) passages.push_back(std::move(passage));
        return true;
      },
      [](const std::string& file, int64_t line, const std::string& message) {
        throw InputError(file + ":" + std::to_string(line) + ": " + message);
      });
  return passages;
}

}  // namespace guardian::retrieve

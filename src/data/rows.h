// Rows of a data file as (column -> value) pairs, for every format a card can name: TSV, CSV
// (RFC 4180, quoted fields may span lines), JSON Lines, a JSON array, paired text/label files,
// plain lines. Internal to the data module.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "data/card.h"

namespace guardian::data {

struct Row {
  std::string file;                          // path as given, for messages
  int64_t line = 0;                          // 1-based line where the row starts
  int64_t index = 0;                         // 0-based position within the split
  std::map<std::string, std::string> fields; // column -> value ("text"/"label" for paired, lines)
};

// Calls on_row for each row of the split's files until it returns false; a malformed row (bad
// JSON, wrong column count) is reported through on_error(file, line, message), which throws or skips.
void for_each_row(const Card& card, const SplitFiles& files, const std::filesystem::path& root,
                  const std::function<bool(Row&)>& on_row,
                  const std::function<void(const std::string&, int64_t, const std::string&)>& on_error);

}  // namespace guardian::data

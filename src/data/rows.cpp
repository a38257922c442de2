#include "data/rows.h"

#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace guardian::data {

namespace fs = std::filesystem;

namespace {

std::ifstream open(const Card& card, const fs::path& root, const std::string& relative, fs::path& full) {
  full = root / relative;
  std::ifstream in(full, std::ios::binary);
  if (!in) {
    throw InputError("data file '" + full.string() + "' not found" +
                     (card.files == "card" ? " (card " + card.path.string() + " names its files relative to its folder)"
                                           : " (set GUARDIAN_DATA to the folder holding the data sets)"));
  }
  return in;
}

void strip_cr(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (true) {
    size_t tab = line.find('\t', begin);
    out.push_back(line.substr(begin, tab == std::string::npos ? std::string::npos : tab - begin));
    if (tab == std::string::npos) return out;
    begin = tab + 1;
  }
}

// One CSV record (RFC 4180); false at end of input. line counts physical lines consumed.
bool read_csv_record(std::istream& in, std::vector<std::string>& fields, int64_t& line, bool& malformed) {
  fields.clear();
  malformed = false;
  std::string field;
  bool quoted = false, any = false, after_quote = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') {
          in.get(c);
          field.push_back('"');
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
    } else if (c == '\n') {
      ++line;
      if (!field.empty() && field.back() == '\r') field.pop_back();
      fields.push_back(std::move(field));
      return true;
    } else if (c == '"' && field.empty() && !after_quote) {
      quoted = true;
    } else {
      if (after_quote && c != '\r') malformed = true;
      field.push_back(c);
    }
  }
  if (!any) return false;
  if (quoted) malformed = true;  // unterminated quote at end of file
  if (!field.empty() && field.back() == '\r') field.pop_back();
  fields.push_back(std::move(field));
  return true;
}

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  return v.dump();
}

void object_fields(const nlohmann::json& object, Row& row) {
  for (auto it = object.begin(); it != object.end(); ++it) row.fields[it.key()] = scalar_text(it.value());
}

}  // namespace

void for_each_row(const Card& card, const SplitFiles& split, const fs::path& root,
                  const std::function<bool(Row&)>& on_row,
                  const std::function<void(const std::string&, int64_t, const std::string&)>& on_error) {
  const fs::path files_root = card.files_root(root);
  int64_t index = 0;
  bool more = true;  // false once on_row asks to stop
  for (size_t f = 0; f < split.files.size() && more; ++f) {
    fs::path path;
    auto in = open(card, files_root, split.files[f], path);
    const std::string file = path.string();
    Row row;
    row.file = file;
    auto emit = [&](int64_t line) {
      row.line = line;
      row.index = index++;
      more = on_row(row);
      row.fields.clear();
    };

    if (card.format == "tsv") {
      std::string line;
      std::vector<std::string> columns;
      int64_t number = 0;
      while (more && std::getline(in, line)) {
        ++number;
        strip_cr(line);
        auto cells = split_tabs(line);
        if (number == 1 && card.header) {
          columns = cells;
          if (!columns.empty() && columns[0].rfind("\xEF\xBB\xBF", 0) == 0) columns[0].erase(0, 3);
          continue;
        }
        if (line.empty()) continue;
        if (columns.empty()) {
          for (size_t i = 0; i < cells.size(); ++i) columns.push_back(std::to_string(i));
        }
        if (cells.size() != columns.size()) {
          on_error(file, number, "expected " + std::to_string(columns.size()) + " tab-separated columns, found " +
                                     std::to_string(cells.size()));
          continue;
        }
        for (size_t i = 0; i < cells.size(); ++i) row.fields[columns[i]] = std::move(cells[i]);
        emit(number);
      }
    } else if (card.format == "csv") {
      std::vector<std::string> cells, columns;
      int64_t line = 1;
      bool malformed = false, first = true;
      while (more) {
        const int64_t start = line;
        if (!read_csv_record(in, cells, line, malformed)) break;
        if (first && card.header) {
          columns = cells;
          if (!columns.empty() && columns[0].rfind("\xEF\xBB\xBF", 0) == 0) columns[0].erase(0, 3);
          first = false;
          continue;
        }
        first = false;
        if (cells.size() == 1 && cells[0].empty()) continue;
        if (columns.empty()) {
          for (size_t i = 0; i < cells.size(); ++i) columns.push_back(std::to_string(i));
        }
        if (malformed || cells.size() != columns.size()) {
          on_error(file, start, malformed ? "malformed quoting" : "expected " + std::to_string(columns.size()) +
                                                                   " comma-separated columns, found " +
                                                                   std::to_string(cells.size()));
          continue;
        }
        for (size_t i = 0; i < cells.size(); ++i) row.fields[columns[i]] = std::move(cells[i]);
        emit(start);
      }
    } else if (card.format == "jsonl") {
      std::string line;
      int64_t number = 0;
      while (more && std::getline(in, line)) {
        ++number;
        strip_cr(line);
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        nlohmann::json value;
        try {
          value = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range for a number like 1e999
          on_error(file, number, "not valid JSON");
          continue;
        }
        if (!value.is_object()) {
          on_error(file, number, "expected a JSON object");
          continue;
        }
        object_fields(value, row);
        emit(number);
      }
    } else if (card.format == "json") {
      nlohmann::json value;
      try {
        value = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
        throw InputError(file + ": not valid JSON: " + e.what());
      }
      if (!value.is_array()) throw InputError(file + ": expected a JSON array of objects");
      int64_t item = 0;
      for (const auto& object : value) {
        if (!more) break;
        ++item;
        if (!object.is_object()) {
          on_error(file, item, "item " + std::to_string(item) + " is not a JSON object");
          continue;
        }
        object_fields(object, row);
        emit(item);
      }
    } else if (card.format == "paired") {
      fs::path label_path;
      auto labels = open(card, files_root, split.labels[f], label_path);
      std::string text, label;
      int64_t number = 0;
      while (more && std::getline(in, text)) {
        ++number;
        if (!std::getline(labels, label)) {
          throw InputError(label_path.string() + ": has fewer lines (" + std::to_string(number - 1) + ") than " + file);
        }
        strip_cr(text);
        strip_cr(label);
        row.fields["text"] = std::move(text);
        row.fields["label"] = std::move(label);
        emit(number);
      }
      if (more && std::getline(labels, label)) throw InputError(label_path.string() + ": has more lines than " + file);
    } else {  // lines
      std::string line;
      int64_t number = 0;
      while (more && std::getline(in, line)) {
        ++number;
        strip_cr(line);
        row.fields["text"] = std::move(line);
        emit(number);
      }
    }
  }
}

}  // namespace guardian::data

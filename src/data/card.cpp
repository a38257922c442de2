#include "data/card.h"

#include <set>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/toml_table.h"

namespace guardian::data {

namespace {

std::string at_line(const std::string& where, const toml::node& node) {
  return where + ":" + std::to_string(node.source().begin.line);
}

std::string value_text(const toml::node& node, const std::string& where, const std::string& what) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return std::to_string(*node.value<int64_t>());
  throw ConfigError(at_line(where, node) + ": " + what + " must be a string or an integer");
}

std::vector<std::string> string_list(const toml::node& node, const std::string& where, const std::string& what) {
  std::vector<std::string> out;
  if (node.is_string()) return {*node.value<std::string>()};
  const auto* array = node.as_array();
  if (!array) throw ConfigError(at_line(where, node) + ": " + what + " must be a string or an array of strings");
  for (const auto& item : *array) {
    if (!item.is_string()) throw ConfigError(at_line(where, item) + ": " + what + " must hold strings");
    out.push_back(*item.value<std::string>());
  }
  return out;
}

// [splits]: split name -> a file, a list of files, or { text = ..., labels = ... } (format "paired").
std::map<std::string, SplitFiles> read_splits(const toml::node& node, const std::string& where) {
  const auto* splits = node.as_table();
  if (!splits) throw ConfigError(at_line(where, node) + ": 'splits' must be a table");
  std::map<std::string, SplitFiles> out;
  for (const auto& [split, files] : *splits) {
    SplitFiles sf;
    if (const auto* pair = files.as_table()) {
      for (const auto& [k, v] : *pair) {
        if (k.str() != "text" && k.str() != "labels") {
          throw ConfigError(at_line(where, v) + ": unknown key 'splits." + std::string(split.str()) + "." +
                            std::string(k.str()) + "' (expected text, labels)");
        }
      }
      if (!pair->get("text") || !pair->get("labels")) {
        throw ConfigError(at_line(where, files) + ": split '" + std::string(split.str()) + "' needs text and labels");
      }
      sf.files = string_list(*pair->get("text"), where, "splits.text");
      sf.labels = string_list(*pair->get("labels"), where, "splits.labels");
      if (sf.files.size() != sf.labels.size()) {
        throw ConfigError(at_line(where, files) + ": text and labels lists differ in length");
      }
    } else {
      sf.files = string_list(files, where, "splits." + std::string(split.str()));
    }
    out[std::string(split.str())] = std::move(sf);
  }
  return out;
}

// [mapping.POLICY.COLUMN]: column value -> { category = level }.
std::map<std::string, ColumnMapping> read_mappings(const toml::node& node, const std::string& where) {
  const auto* policies = node.as_table();
  if (!policies) throw ConfigError(at_line(where, node) + ": 'mapping' must be a table of policies");
  std::map<std::string, ColumnMapping> out;
  for (const auto& [policy, columns] : *policies) {
    if (!columns.is_table()) throw ConfigError(at_line(where, columns) + ": mapping." + std::string(policy.str()) + " must be a table");
    ColumnMapping& cm = out[std::string(policy.str())];
    for (const auto& [column, values] : *columns.as_table()) {
      if (!values.is_table()) throw ConfigError(at_line(where, values) + ": mapping column must be a table");
      ValueMap& vm = cm[std::string(column.str())];
      for (const auto& [value, assignments] : *values.as_table()) {
        if (!assignments.is_table()) {
          throw ConfigError(at_line(where, assignments) + ": mapping value '" + std::string(value.str()) +
                            "' must be a table { category = level }");
        }
        auto& levels = vm[std::string(value.str())];
        for (const auto& [category, level] : *assignments.as_table()) {
          levels[std::string(category.str())] = value_text(level, where, "a level");
        }
      }
    }
  }
  return out;
}

const std::set<std::string> kFormats = {"tsv", "csv", "jsonl", "json", "paired", "lines"};

}  // namespace

const ColumnMapping& Card::mapping_for(const std::string& policy) const {
  auto it = mappings.find(policy);
  if (it != mappings.end()) return it->second;
  std::string have;
  for (const auto& [name, _] : mappings) have += (have.empty() ? "" : ", ") + name;
  throw ConfigError("card '" + name + "' has no label mapping for policy '" + policy + "'" +
                    (have.empty() ? " (it has none: unlabelled text)" : " (it has: " + have + ")"));
}

std::filesystem::path Card::files_root(const std::filesystem::path& data_root) const {
  if (files == "data") return data_root;
  if (path.empty()) throw ConfigError("card '" + name + "' has files = \"card\" but was not read from a file");
  return path.parent_path();
}

Card parse_card(const std::string& text, const std::string& where) {
  const toml::table root = core::parse_toml(text, where);
  core::TomlTable top(&root, where, "");
  Card card;
  top.get("name", card.name);
  top.get("description", card.description);
  top.get("language", card.language);
  top.get("licence", card.licence);
  top.get("format", card.format);
  top.get("text", card.text);
  top.get("id", card.id);
  top.get("files", card.files);
  top.get("trainable", card.trainable);
  top.get("header", card.header);
  if (const auto* scored = top.node("scored")) card.scored = string_list(*scored, where, "'scored'");
  if (const auto* splits = top.node("splits")) card.splits = read_splits(*splits, where);
  if (const auto* mapping = top.node("mapping")) card.mappings = read_mappings(*mapping, where);
  top.finish();
  if (card.name.empty()) throw ConfigError(where + ": the card needs a 'name'");
  if (!kFormats.count(card.format)) {
    throw ConfigError(where + ": format '" + card.format + "' is not one of tsv, csv, jsonl, json, paired, lines");
  }
  if (card.language != "ko" && card.language != "en" && card.language != "auto") {
    throw ConfigError(where + ": language must be \"ko\", \"en\" or \"auto\"");
  }
  if (card.files != "data" && card.files != "card") {
    throw ConfigError(where + ": files must be \"data\" (relative to the data root) or \"card\" (relative to the card)");
  }
  if (card.splits.empty()) throw ConfigError(where + ": the card names no [splits]");
  if (card.text.empty() && card.format != "paired" && card.format != "lines") {
    throw ConfigError(where + ": 'text' (the text column) is required for format " + card.format);
  }
  for (const auto& [split, files] : card.splits) {
    if (card.format == "paired" && files.labels.empty()) {
      throw ConfigError(where + ": split '" + split + "' of a paired card needs { text = ..., labels = ... }");
    }
    if (card.format != "paired" && !files.labels.empty()) {
      throw ConfigError(where + ": split '" + split + "' names label files, which only format \"paired\" uses");
    }
  }
  for (const auto& s : card.scored) {
    if (!card.splits.count(s)) throw ConfigError(where + ": scored split '" + s + "' is not in [splits]");
  }
  return card;
}

Card load_card(const std::string& name_or_path) {
  std::filesystem::path path(name_or_path);
  const bool bare = name_or_path.find('/') == std::string::npos && path.extension() != ".toml";
  if (bare) path = core::config_dir() / "cards" / (name_or_path + ".toml");
  if (!std::filesystem::exists(path)) {
    throw ConfigError("data set card '" + name_or_path + "' not found" +
                      (bare ? " (looked for " + path.string() + ")" : ""));
  }
  Card card = parse_card(core::read_file(path), path.string());
  card.path = path;
  return card;
}

}  // namespace guardian::data

#include "data/card.h"

#include <set>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/fs.h"

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
  toml::table root;
  try {
    root = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  Card card;
  for (const auto& [key_view, node] : root) {
    const std::string key(key_view.str());
    auto str = [&](std::string& out) {
      if (!node.is_string()) throw ConfigError(at_line(where, node) + ": '" + key + "' must be a string");
      out = *node.value<std::string>();
    };
    if (key == "name") str(card.name);
    else if (key == "description") str(card.description);
    else if (key == "language") str(card.language);
    else if (key == "licence") str(card.licence);
    else if (key == "format") str(card.format);
    else if (key == "text") str(card.text);
    else if (key == "id") str(card.id);
    else if (key == "files") str(card.files);
    else if (key == "trainable" || key == "header") {
      if (!node.is_boolean()) throw ConfigError(at_line(where, node) + ": '" + key + "' must be true or false");
      (key == "trainable" ? card.trainable : card.header) = *node.value<bool>();
    } else if (key == "scored") {
      card.scored = string_list(node, where, "'scored'");
    } else if (key == "splits") {
      const auto* splits = node.as_table();
      if (!splits) throw ConfigError(at_line(where, node) + ": 'splits' must be a table");
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
        card.splits[std::string(split.str())] = std::move(sf);
      }
    } else if (key == "mapping") {
      const auto* policies = node.as_table();
      if (!policies) throw ConfigError(at_line(where, node) + ": 'mapping' must be a table of policies");
      for (const auto& [policy, columns] : *policies) {
        if (!columns.is_table()) throw ConfigError(at_line(where, columns) + ": mapping." + std::string(policy.str()) + " must be a table");
        ColumnMapping& cm = card.mappings[std::string(policy.str())];
        for (const auto& [column, values] : *columns.as_table()) {
          if (!values.is_table()) throw ConfigError(at_line(where, values) + ": mapping column must be a table");
          ValueMap& vm = cm[std::string(column.str())];
          for (const auto& [value, assignments] : *values.as_table()) {
            if (!assignments.is_table()) {
              throw ConfigError(at_line(where, assignments) + ": mapping value '" + std::string(value.str()) +
                                "' must be a table { category = level }");
            }
            auto& out = vm[std::string(value.str())];
            for (const auto& [category, level] : *assignments.as_table()) {
              out[std::string(category.str())] = value_text(level, where, "a level");
            }
          }
        }
      }
    } else {
      throw ConfigError(at_line(where, node) + ": unknown key '" + key + "'");
    }
  }
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

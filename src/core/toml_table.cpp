#include "core/toml_table.h"

#include "core/error.h"

namespace guardian::core {

toml::table parse_toml(const std::string& text, const std::string& where) {
  try {
    return toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

TomlTable::TomlTable(const toml::table* table, std::string where, std::string section)
    : table_(table), where_(std::move(where)), section_(std::move(section)) {}

void TomlTable::finish(const std::set<std::string>& sections) const {
  if (!table_) return;
  for (const auto& [key, node] : *table_) {
    std::string k(key.str());
    if (!used_.count(k) && !sections.count(k)) {
      throw ConfigError(where_ + ":" + std::to_string(node.source().begin.line) + ": unknown key '" + qualified(k) +
                        "'");
    }
  }
}

std::string TomlTable::qualified(const std::string& key) const {
  return section_.empty() ? key : section_ + "." + key;
}

std::vector<const toml::table*> TomlTable::tables(const char* key) {
  std::vector<const toml::table*> out;
  const toml::node* value = node(key);
  if (!value) return out;
  if (!value->is_array_of_tables()) fail(key, "must be [[" + qualified(key) + "]] tables");
  for (const auto& item : *value->as_array()) out.push_back(item.as_table());
  return out;
}

const toml::node* TomlTable::node(const char* key) {
  if (!table_) return nullptr;
  used_.insert(key);
  return table_->get(key);
}

std::string TomlTable::at(const toml::node& node) const {
  return where_ + ":" + std::to_string(node.source().begin.line);
}

std::string TomlTable::at() const { return table_ ? at(*table_) : where_; }

void TomlTable::fail(const char* key, const std::string& what) const {
  throw_at(*table_->get(key), "'" + qualified(key) + "' " + what);
}

void TomlTable::throw_at(const toml::node& node, const std::string& what) const {
  throw ConfigError(at(node) + ": " + what);
}

}  // namespace guardian::core

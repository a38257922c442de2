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

void TomlTable::fail(const char* key, const std::string& what) const {
  const toml::node* node = table_->get(key);
  throw ConfigError(where_ + ":" + std::to_string(node->source().begin.line) + ": '" + qualified(key) + "' " + what);
}

}  // namespace guardian::core

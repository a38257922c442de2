// One reader for guardian's TOML files (recipes, and the recipe's data table that data/sets reads):
// typed gets, unknown keys refused, and the file and line in every error.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace guardian::core {

// Parses TOML text; ConfigError "where:LINE: what toml++ says" on a syntax error.
toml::table parse_toml(const std::string& text, const std::string& where);

// Reads the keys of one table, remembering which were asked for so that finish() can refuse the
// rest. A missing key leaves its output as it was (the default). A table that is absent (nullptr)
// reads as empty. Errors: ConfigError "where:LINE: 'section.key' must be ...".
class TomlTable {
 public:
  TomlTable(const toml::table* table, std::string where, std::string section);

  // T: std::string, bool, any integer type (the value must fit it: an unsigned one refuses a
  // negative value), double or float (an integer reads as a number), std::vector<std::string>,
  // std::vector<double> (non-empty), std::map<std::string, double> (a table of numbers such as
  // { ko = 1.2 }); std::optional of any of these, set only when the key is there.
  template <typename T>
  void get(const char* key, T& out);
  template <typename T>
  void get(const char* key, std::optional<T>& out) {
    if (!table_ || !table_->get(key)) return;
    T value{};
    get(key, value);
    out = std::move(value);
  }

  // The tables of an array of tables ([[key]]); empty when the key is absent.
  std::vector<const toml::table*> tables(const char* key);

  // A key whose value the caller reads itself (a table with keys of its own choosing): marked as
  // read, nullptr when absent.
  const toml::node* node(const char* key);

  // "where:LINE" of a node of this file, for the caller's own errors; of the table itself without one.
  std::string at(const toml::node& node) const;
  std::string at() const;

  // ConfigError naming the first key that no get() asked for and that is not one of `sections`
  // (sub-tables read by their own TomlTable).
  void finish(const std::set<std::string>& sections = {}) const;

  // "section.key" (or "key" at the top level), as errors name it.
  std::string qualified(const std::string& key) const;

 private:
  [[noreturn]] void fail(const char* key, const std::string& what) const;
  [[noreturn]] void throw_at(const toml::node& node, const std::string& what) const;

  const toml::table* table_;
  std::string where_, section_;
  std::set<std::string> used_;
};

template <typename T>
void TomlTable::get(const char* key, T& out) {
  if (!table_) return;
  used_.insert(key);
  const toml::node* node = table_->get(key);
  if (!node) return;
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    const auto* array = node->as_array();
    if (!array) fail(key, "must be an array of strings");
    out.clear();
    for (const auto& item : *array) {
      auto value = item.value<std::string>();
      if (!value) fail(key, "must be an array of strings");
      out.push_back(*value);
    }
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    const auto* array = node->as_array();
    if (!array || array->empty()) fail(key, "must be a non-empty array of numbers");
    out.clear();
    for (const auto& item : *array) {
      auto value = item.value<double>();
      if (!value) fail(key, "must be a non-empty array of numbers");
      out.push_back(*value);
    }
  } else if constexpr (std::is_same_v<T, std::map<std::string, double>>) {
    const auto* table = node->as_table();
    if (!table) fail(key, "must be a table of numbers such as { ko = 1.2 }");
    out.clear();
    for (const auto& [name, item] : *table) {
      auto value = item.template value<double>();
      if (!value) {
        throw_at(item, "'" + qualified(std::string(key) + "." + std::string(name.str())) + "' must be a number");
      }
      out[std::string(name.str())] = *value;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    auto value = node->value<double>();
    if (!value) fail(key, "must be a number");
    out = static_cast<T>(*value);
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!node->is_integer()) fail(key, "must be an integer");
    const int64_t value = *node->value<int64_t>();
    // A negative count read into an unsigned type would wrap around to a huge limit.
    if (std::is_unsigned_v<T> && value < 0) fail(key, "must be >= 0");
    if (!std::in_range<T>(value)) fail(key, "is out of range");
    out = static_cast<T>(value);
  } else {
    auto value = node->value<T>();
    if (!value || (std::is_same_v<T, bool> && !node->is_boolean())) {
      fail(key, std::is_same_v<T, bool> ? "must be true or false" : "must be a string");
    }
    out = *value;
  }
}

}  // namespace guardian::core

// The values a chat template computes with, with the semantics of @huggingface/jinja (the reference
// the golden tests compare with): numbers are doubles tagged integer or float, lists and dicts are
// shared by reference (a namespace changed in a loop is changed everywhere), dicts keep insertion
// order, and printing, `~`, `==` and tojson follow the reference's JavaScript rules byte for byte.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace guardian::text::jinja {

class Value;
using List = std::vector<Value>;

// Insertion-ordered string-keyed map (templates hold a handful of keys; lookups are linear).
struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value v);
};

// Arguments of a call: positional values, then keyword arguments (has_kwargs when any was given).
struct Args {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kwargs;
  const Value* kwarg(const std::string& name) const;
};

using Function = std::function<Value(const Args&)>;

class Value {
 public:
  enum class Kind { kUndefined, kNull, kBool, kInt, kFloat, kString, kList, kTuple, kDict, kKwargs, kNamespace, kFunction };

  Value() = default;
  static Value null() { return Value(Kind::kNull); }
  static Value boolean(bool b);
  static Value integer(double n);
  static Value floating(double n);
  static Value string(std::string s);
  static Value list(List items, Kind kind = Kind::kList);
  static Value dict(Dict d, Kind kind = Kind::kDict);
  static Value function(Function f);
  // A JSON value as the reference converts it: integral numbers become integers, object keys
  // that are array indices come first in ascending order (JavaScript's Object.entries order).
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList || kind_ == Kind::kTuple; }            // ArrayValue
  bool is_object() const { return kind_ == Kind::kDict || kind_ == Kind::kKwargs; }         // ObjectValue
  bool is_attribute_container() const { return is_object() || kind_ == Kind::kNamespace; }

  bool as_bool() const { return bool_; }
  double number() const { return number_; }
  const std::string& str() const { return str_; }
  List& items() const { return *list_; }
  Dict& entries() const { return *dict_; }
  const Function& fn() const { return *fn_; }

  bool truthy() const;                 // __bool__
  std::string to_string() const;       // how {{ }} prints it
  std::string js_string() const;       // JavaScript String(value.value): what `~` and `+` concatenate
  std::string type_name() const;       // the reference's type name, for error messages
  bool loose_equals(const Value& o) const;   // JavaScript `==` on the underlying values
  bool strict_equals(const Value& o) const;  // JavaScript `===` on the underlying values

 private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::kUndefined;
  bool bool_ = false;
  double number_ = 0;
  std::string str_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Function> fn_;
};

// JavaScript's Number.prototype.toString (shortest round trip; exponent outside [1e-7, 1e21)).
std::string js_number(double n);

// Options of tojson, as the reference's toJSON takes them.
struct JsonOptions {
  int indent = 0;                       // 0: one line
  bool ensure_ascii = false;            // escape non-ASCII as \uXXXX
  bool sort_keys = false;               // keys in (approximately) localeCompare order
  const std::pair<std::string, std::string>* separators = nullptr;  // item and key separators
};
std::string to_json(const Value& v, const JsonOptions& options = {}, int depth = 0,
                    bool undefined_as_null = true);

}  // namespace guardian::text::jinja

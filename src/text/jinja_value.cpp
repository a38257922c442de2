#include "text/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "text/jinja_strings.h"

namespace guardian::text::jinja {

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

void Dict::set(const std::string& key, Value v) {
  for (auto& [k, old] : items)
    if (k == key) { old = std::move(v); return; }
  items.emplace_back(key, std::move(v));
}

const Value* Args::kwarg(const std::string& name) const {
  for (const auto& [k, v] : kwargs)
    if (k == name) return &v;
  return nullptr;
}

Value Value::boolean(bool b) { Value v(Kind::kBool); v.bool_ = b; return v; }
Value Value::integer(double n) { Value v(Kind::kInt); v.number_ = n; return v; }
Value Value::floating(double n) { Value v(Kind::kFloat); v.number_ = n; return v; }
Value Value::string(std::string s) { Value v(Kind::kString); v.str_ = std::move(s); return v; }
Value Value::list(List items, Kind kind) {
  Value v(kind);
  v.list_ = std::make_shared<List>(std::move(items));
  return v;
}
Value Value::dict(Dict d, Kind kind) {
  Value v(kind);
  v.dict_ = std::make_shared<Dict>(std::move(d));
  return v;
}
Value Value::function(Function f) {
  Value v(Kind::kFunction);
  v.fn_ = std::make_shared<Function>(std::move(f));
  return v;
}

namespace {

// A canonical array index ("0", "17", not "01"), which JavaScript enumerates before other keys.
bool array_index(const std::string& k, unsigned long long& out) {
  if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return false;
  if (!std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  out = std::stoull(k);
  return out < 4294967295ULL;
}

}  // namespace

Value Value::from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return null();
    case nlohmann::ordered_json::value_t::boolean: return boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
    case nlohmann::ordered_json::value_t::number_float: {
      double d = j.get<double>();
      return std::isfinite(d) && std::floor(d) == d ? integer(d) : floating(d);
    }
    case nlohmann::ordered_json::value_t::string: return string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      std::vector<std::pair<unsigned long long, std::string>> indices;
      Dict d;
      for (const auto& [k, e] : j.items()) {
        unsigned long long n;
        if (array_index(k, n)) indices.emplace_back(n, k);
      }
      std::sort(indices.begin(), indices.end());
      for (const auto& [n, k] : indices) d.items.emplace_back(k, from_json(j.at(k)));
      for (const auto& [k, e] : j.items()) {
        unsigned long long n;
        if (!array_index(k, n)) d.items.emplace_back(k, from_json(e));
      }
      return dict(std::move(d));
    }
    default: throw InputError("chat template context: unsupported JSON value (binary or discarded)");
  }
}

std::string js_number(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, n, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. -1.2345e+02
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  auto e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int k = static_cast<int>(digits.size());
  int point = std::stoi(sci.substr(e + 1)) + 1;  // the decimal point sits after `point` digits
  std::string out;
  if (k <= point && point <= 21) {
    out = digits + std::string(static_cast<std::size_t>(point - k), '0');
  } else if (0 < point && point <= 21) {
    out = digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
  } else if (-6 < point && point <= 0) {
    out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else {
    int exp = point - 1;
    out = digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "") + "e" + (exp < 0 ? "-" : "+") +
          std::to_string(std::abs(exp));
  }
  return negative ? "-" + out : out;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined: case Kind::kNull: return false;
    case Kind::kBool: return bool_;
    case Kind::kInt: case Kind::kFloat: return number_ != 0 && !std::isnan(number_);
    case Kind::kString: return !str_.empty();
    case Kind::kList: case Kind::kTuple: return !list_->empty();
    case Kind::kDict: case Kind::kKwargs: return !dict_->items.empty();
    case Kind::kNamespace: case Kind::kFunction: return true;
  }
  return false;
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::kFloat: {
      if (number_ == 0 && std::signbit(number_)) return "-0.0";
      if (std::isfinite(number_) && std::floor(number_) == number_) {
        if (std::fabs(number_) >= 1e21) return js_number(number_);
        char buf[400];
        std::snprintf(buf, sizeof buf, "%.1f", number_);
        return buf;
      }
      return js_number(number_);
    }
    case Kind::kList: case Kind::kTuple: case Kind::kDict: case Kind::kKwargs: case Kind::kNamespace:
      return to_json(*this, {}, 0, false);
    default: return js_string();
  }
}

std::string Value::js_string() const {
  switch (kind_) {
    case Kind::kUndefined: case Kind::kNull: return "undefined";
    case Kind::kBool: return bool_ ? "true" : "false";
    case Kind::kInt: case Kind::kFloat: return js_number(number_);
    case Kind::kString: return str_;
    case Kind::kList: case Kind::kTuple: {
      std::string out;
      for (std::size_t i = 0; i < list_->size(); ++i) out += (i ? "," : "") + (*list_)[i].to_string();
      return out;
    }
    case Kind::kDict: case Kind::kKwargs: case Kind::kNamespace: return "[object Map]";
    case Kind::kFunction: return "[function]";
  }
  return {};
}

std::string Value::type_name() const {
  static const char* const kNames[] = {"UndefinedValue", "NullValue",  "BooleanValue", "IntegerValue",
                                       "FloatValue",     "StringValue", "ArrayValue",  "TupleValue",
                                       "ObjectValue",    "KeywordArgumentsValue", "NamespaceValue",
                                       "FunctionValue"};
  return kNames[static_cast<int>(kind_)];
}

namespace {

// JavaScript's ToNumber on a string.
double to_number(const std::string& s) {
  std::string t = js_trim(s);
  if (t.empty()) return 0;
  if (t == "Infinity" || t == "+Infinity") return INFINITY;
  if (t == "-Infinity") return -INFINITY;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X' || t[1] == 'o' || t[1] == 'O' || t[1] == 'b' || t[1] == 'B')) {
    int base = (t[1] == 'x' || t[1] == 'X') ? 16 : (t[1] == 'o' || t[1] == 'O') ? 8 : 2;
    char* end = nullptr;
    double v = static_cast<double>(std::strtoull(t.c_str() + 2, &end, base));
    return *end ? NAN : v;
  }
  for (char c : t)
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return NAN;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  return *end ? NAN : v;
}

bool is_reference(Value::Kind k) {
  return k >= Value::Kind::kList && k <= Value::Kind::kFunction;
}

}  // namespace

bool Value::strict_equals(const Value& o) const {
  auto plain = [](Kind k) { return k == Kind::kNull ? Kind::kUndefined : k == Kind::kFloat ? Kind::kInt : k; };
  if (plain(kind_) != plain(o.kind_)) {
    bool both_lists = is_list() && o.is_list(), both_maps = is_attribute_container() && o.is_attribute_container();
    if (!both_lists && !both_maps) return false;
  }
  switch (kind_) {
    case Kind::kUndefined: case Kind::kNull: return true;
    case Kind::kBool: return bool_ == o.bool_;
    case Kind::kInt: case Kind::kFloat: return number_ == o.number_;
    case Kind::kString: return str_ == o.str_;
    case Kind::kList: case Kind::kTuple: return list_ == o.list_;
    case Kind::kDict: case Kind::kKwargs: case Kind::kNamespace: return dict_ == o.dict_;
    case Kind::kFunction: return fn_ == o.fn_;
  }
  return false;
}

bool Value::loose_equals(const Value& o) const {
  auto nullish = [](const Value& v) { return v.is_undefined() || v.is_null(); };
  if (nullish(*this) || nullish(o)) return nullish(*this) && nullish(o);
  bool ref_a = is_reference(kind_), ref_b = is_reference(o.kind_);
  if (ref_a && ref_b) return strict_equals(o);
  if (ref_a) return Value::string(js_string()).loose_equals(o);
  if (ref_b) return loose_equals(Value::string(o.js_string()));
  if (kind_ == o.kind_ || (is_number() && o.is_number())) return strict_equals(o);
  auto num = [](const Value& v) {
    return v.is(Kind::kBool) ? (v.bool_ ? 1.0 : 0.0) : v.is_string() ? to_number(v.str_) : v.number_;
  };
  return num(*this) == num(o);
}

std::string to_json(const Value& v, const JsonOptions& options, int depth, bool undefined_as_null) {
  std::string item_sep = ", ", key_sep = ": ";
  if (options.separators) std::tie(item_sep, key_sep) = *options.separators;
  else if (options.indent) item_sep = ",";
  using Kind = Value::Kind;
  switch (v.kind()) {
    case Kind::kNull: return "null";
    case Kind::kUndefined: return undefined_as_null ? "null" : "undefined";
    case Kind::kBool: return v.as_bool() ? "true" : "false";
    case Kind::kInt: case Kind::kFloat: return std::isfinite(v.number()) ? js_number(v.number()) : "null";
    case Kind::kString: return json_quote(v.str(), options.ensure_ascii);
    case Kind::kList: case Kind::kDict: case Kind::kNamespace: {
      std::string unit(static_cast<std::size_t>(std::max(options.indent, 0)), ' ');
      std::string base = "\n";
      for (int i = 0; i < depth; ++i) base += unit;
      std::string child = base + unit;
      std::vector<std::string> core;
      if (v.is(Kind::kList)) {
        for (const auto& e : v.items()) core.push_back(to_json(e, options, depth + 1, undefined_as_null));
      } else {
        auto entries = v.entries().items;
        if (options.sort_keys) {
          // Approximates localeCompare: case-insensitive, then lower case first.
          std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            auto la = js_lower(a.first), lb = js_lower(b.first);
            return la != lb ? la < lb : a.first > b.first;
          });
        }
        for (const auto& [k, e] : entries) {
          std::string s = json_quote(k, options.ensure_ascii) + key_sep + to_json(e, options, depth + 1, undefined_as_null);
          core.push_back(options.indent ? child + s : s);
        }
      }
      std::string open = v.is(Kind::kList) ? "[" : "{", close = v.is(Kind::kList) ? "]" : "}";
      std::string joined;
      std::string sep = item_sep + (options.indent && v.is(Kind::kList) ? child : "");
      for (std::size_t i = 0; i < core.size(); ++i) joined += (i ? sep : "") + core[i];
      if (!options.indent || core.empty()) return open + joined + close;
      return open + (v.is(Kind::kList) ? child : "") + joined + base + close;
    }
    default: throw Error("Cannot convert to JSON: " + v.type_name());
  }
}

}  // namespace guardian::text::jinja

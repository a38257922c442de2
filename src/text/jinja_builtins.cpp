// Built-ins of the reference renderer: the methods of strings and dicts, `length` of lists, the
// tests (`is defined`, `is string`, ...), value ordering for sort, namespace() and strftime.
#include <cmath>
#include <ctime>

#include "text/jinja_error.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_strings.h"

namespace guardian::text::jinja {
namespace {

using VK = Value::Kind;

[[noreturn]] void fail(const std::string& detail) { throw TemplateError(detail, ""); }

Value affix_test(const std::string& s, const Args& a, bool start, const char* name) {
  if (a.pos.empty()) fail(std::string(name) + "() requires at least one argument");
  auto matches = [&](const std::string& p) {
    return p.size() <= s.size() && (start ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0);
  };
  const Value& p = a.pos[0];
  if (p.is_string()) return Value::boolean(matches(p.str()));
  if (p.is_list()) {
    for (const auto& e : p.items()) {
      if (!e.is_string()) fail(std::string(name) + "() tuple elements must be strings");
      if (matches(e.str())) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  fail(std::string(name) + "() argument must be a string or tuple of strings");
}

Value split(const std::string& s, const Args& a) {
  Value sep = a.pos.size() > 0 ? a.pos[0] : Value::null();
  if (!sep.is_string() && !sep.is_null()) fail("sep argument must be a string or null");
  Value maxsplit = a.pos.size() > 1 ? a.pos[1] : Value::integer(-1);
  if (!maxsplit.is(VK::kInt)) fail("maxsplit argument must be a number");
  const double max = maxsplit.number();
  List out;
  if (sep.is_null()) {
    std::string text = js_trim_start(s);
    for (std::size_t i = 0; i < text.size();) {
      if (std::size_t n = whitespace_at(text, i)) { i += n; continue; }
      std::size_t e = i;
      while (e < text.size() && !whitespace_at(text, e)) ++e;
      if (max >= 0 && static_cast<double>(out.size()) >= max) {
        out.push_back(Value::string(text.substr(i)));
        break;
      }
      out.push_back(Value::string(text.substr(i, e - i)));
      i = e;
    }
    return Value::list(std::move(out));
  }
  if (sep.str().empty()) fail("empty separator");
  auto parts = split_on(s, sep.str());
  if (max >= 0 && static_cast<double>(parts.size()) > max) {
    std::string rest;
    for (std::size_t i = static_cast<std::size_t>(max); i < parts.size(); ++i)
      rest += (i > static_cast<std::size_t>(max) ? sep.str() : "") + parts[i];
    parts.resize(static_cast<std::size_t>(max));
    parts.push_back(rest);
  }
  for (auto& p : parts) out.push_back(Value::string(std::move(p)));
  return Value::list(std::move(out));
}

Value replace(const std::string& s, const Args& a) {
  if (a.pos.size() + a.kwargs.size() < 2) fail("replace() requires at least two arguments");
  if (a.pos.size() < 2 || !a.pos[0].is_string() || !a.pos[1].is_string()) fail("replace() arguments must be strings");
  Value count = a.pos.size() > 2 ? a.pos[2] : a.kwarg("count") ? *a.kwarg("count") : Value::null();
  if (!count.is(VK::kInt) && !count.is_null()) fail("replace() count argument must be a number or null");
  return Value::string(replace_all(s, a.pos[0].str(), a.pos[1].str(), count.is_null() ? -1 : static_cast<long>(count.number())));
}

Value string_member(const std::string& s, const std::string& name) {
  using F = std::function<std::string(std::string_view)>;
  static const std::pair<const char*, F> kPlain[] = {
      {"upper", js_upper}, {"lower", js_lower}, {"strip", js_trim}, {"title", js_title},
      {"capitalize", js_capitalize}, {"rstrip", js_trim_end}, {"lstrip", js_trim_start}};
  for (const auto& [n, f] : kPlain)
    if (name == n) return Value::function([s, f = f](const Args&) { return Value::string(f(s)); });
  if (name == "length") return Value::integer(static_cast<double>(utf16_length(s)));
  if (name == "startswith") return Value::function([s](const Args& a) { return affix_test(s, a, true, "startswith"); });
  if (name == "endswith") return Value::function([s](const Args& a) { return affix_test(s, a, false, "endswith"); });
  if (name == "split") return Value::function([s](const Args& a) { return split(s, a); });
  if (name == "replace") return Value::function([s](const Args& a) { return replace(s, a); });
  return Value();
}

Value pairs(const Dict& d) {
  List out;
  for (const auto& [k, v] : d.items) out.push_back(Value::list({Value::string(k), v}));
  return Value::list(std::move(out));
}

Value dict_member(const Value& object, const std::string& name) {
  if (name == "get")
    return Value::function([object](const Args& a) {
      Value key = a.pos.empty() ? Value() : a.pos[0];
      if (!key.is_string()) fail("Object key must be a string: got " + key.type_name());
      if (const Value* v = object.entries().find(key.str())) return *v;
      return a.pos.size() > 1 ? a.pos[1] : Value::null();
    });
  if (name == "items") return Value::function([object](const Args&) { return pairs(object.entries()); });
  if (name == "keys")
    return Value::function([object](const Args&) {
      List out;
      for (const auto& [k, v] : object.entries().items) out.push_back(Value::string(k));
      return Value::list(std::move(out));
    });
  if (name == "values")
    return Value::function([object](const Args&) {
      List out;
      for (const auto& [k, v] : object.entries().items) out.push_back(v);
      return Value::list(std::move(out));
    });
  return Value();
}

}  // namespace

Value builtin_member(const Value& object, const std::string& name) {
  if (object.is_string()) return string_member(object.str(), name);
  if (object.is_list()) return name == "length" ? Value::integer(static_cast<double>(object.items().size())) : Value();
  if (object.is_object()) return dict_member(object, name);
  return Value();
}

bool has_test(const std::string& name) {
  static const char* const kTests[] = {"boolean", "callable", "odd", "even", "false", "true", "none",
                                       "string", "number", "integer", "iterable", "mapping", "sequence",
                                       "lower", "upper", "defined", "undefined", "equalto", "eq"};
  for (const char* t : kTests)
    if (name == t) return true;
  return false;
}

bool run_test(const std::string& name, const Value& v, const Value* arg) {
  if (name == "boolean") return v.is(VK::kBool);
  if (name == "callable") return v.is(VK::kFunction);
  if (name == "odd" || name == "even") {
    if (!v.is(VK::kInt)) fail("cannot " + name + " on " + v.type_name());
    return (std::fmod(v.number(), 2) != 0) == (name == "odd");
  }
  if (name == "false") return v.is(VK::kBool) && !v.as_bool();
  if (name == "true") return v.is(VK::kBool) && v.as_bool();
  if (name == "none") return v.is_null();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.is(VK::kInt);
  if (name == "iterable") return v.is(VK::kList) || v.is_string();
  if (name == "mapping") return v.is_object();
  if (name == "sequence") return v.is_list() || v.is_object() || v.is_string();
  if (name == "lower") return v.is_string() && v.str() == js_lower(v.str());
  if (name == "upper") return v.is_string() && v.str() == js_upper(v.str());
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "equalto" || name == "eq") return v.strict_equals(arg ? *arg : Value());
  fail("Unknown test: " + name);
}

int compare_values(const Value& a, const Value& b, bool case_sensitive) {
  if (a.is_null() && b.is_null()) return 0;
  if (a.is_null() || b.is_null() || a.is_undefined() || b.is_undefined()) {
    if (a.is_undefined() && b.is_undefined()) return 0;
    fail("Cannot compare " + a.type_name() + " with " + b.type_name());
  }
  auto numeric = [](const Value& v) { return v.is_number() || v.is(VK::kBool); };
  if (numeric(a) && numeric(b)) {
    double x = a.is(VK::kBool) ? a.as_bool() : a.number(), y = b.is(VK::kBool) ? b.as_bool() : b.number();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind() != b.kind()) fail("Cannot compare different types: " + a.type_name() + " and " + b.type_name());
  if (!a.is_string()) fail("Cannot compare type: " + a.type_name());
  std::string x = case_sensitive ? a.str() : js_lower(a.str()), y = case_sensitive ? b.str() : js_lower(b.str());
  return x < y ? -1 : x > y ? 1 : 0;
}

Value attribute_path(const Value& item, const std::string& path) {
  Value v = item;
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (v.is_attribute_container()) {
      const Value* found = v.entries().find(part);
      v = found ? *found : Value();
    } else if (v.is_list()) {
      char* end = nullptr;
      long i = std::strtol(part.c_str(), &end, 10);
      if (end == part.c_str() || i < 0 || static_cast<std::size_t>(i) >= v.items().size()) return Value();
      v = v.items()[static_cast<std::size_t>(i)];
    } else {
      return Value();
    }
    if (dot == std::string::npos) return v;
    pos = dot + 1;
  }
}

std::string strftime_js(std::chrono::system_clock::time_point t, bool utc, const std::string& format) {
  static const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (utc) gmtime_r(&secs, &tm);
  else localtime_r(&secs, &tm);
  auto pad2 = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) { out += format[i]; continue; }
    char c = format[++i];
    switch (c) {
      case 'Y': out += std::to_string(tm.tm_year + 1900); break;
      case 'm': out += pad2(tm.tm_mon + 1); break;
      case 'd': out += pad2(tm.tm_mday); break;
      case 'b': out += std::string(kMonths[tm.tm_mon]).substr(0, 3); break;
      case 'B': out += kMonths[tm.tm_mon]; break;
      case 'H': out += pad2(tm.tm_hour); break;
      case 'M': out += pad2(tm.tm_min); break;
      case '%': out += '%'; break;
      default: out += '%', out += c;
    }
  }
  return out;
}

Value namespace_value(const Args& args) {
  if (args.pos.size() > 1) fail("namespace expected at most 1 argument, got " + std::to_string(args.pos.size()));
  Dict d;
  if (args.pos.size() == 1) {
    const Value& src = args.pos[0];
    if (src.is_object()) {
      d = src.entries();
    } else if (src.is_list()) {
      for (const auto& pair : src.items()) {
        if (!pair.is_list() || pair.items().size() != 2)
          fail("namespace expected an object or an iterable of [key, value] pairs");
        if (!pair.items()[0].is_string()) fail("namespace keys must be strings");
        d.set(pair.items()[0].str(), pair.items()[1]);
      }
    } else {
      fail("'" + src.type_name() + "' object is not iterable");
    }
  }
  for (const auto& [k, v] : args.kwargs) d.set(k, v);
  return Value::dict(std::move(d), VK::kNamespace);
}

}  // namespace guardian::text::jinja

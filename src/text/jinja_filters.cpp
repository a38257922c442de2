// The filters of the reference renderer (`x | name` and `x | name(args)`), dispatched as it does:
// first by filter, then by the operand's type, so an unsupported pair fails the same way.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "text/jinja_error.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_strings.h"

namespace guardian::text::jinja {
namespace {

using K = Node::Kind;
using VK = Value::Kind;

[[noreturn]] void fail(const std::string& detail) { throw TemplateError(detail, ""); }

// JavaScript's parseInt(s, 10) and parseFloat(s); NaN when nothing numeric leads.
double parse_int(const std::string& s) {
  std::string t = js_trim_start(s);
  std::size_t i = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0, start = i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  if (i == start) return NAN;
  return std::strtod(t.substr(0, i).c_str(), nullptr);
}
double parse_float(const std::string& s) {
  std::string t = js_trim_start(s);
  if (t.rfind("Infinity", 0) == 0 || t.rfind("+Infinity", 0) == 0) return INFINITY;
  if (t.rfind("-Infinity", 0) == 0) return -INFINITY;
  if (t.find_first_of("xXnN") != std::string::npos) t = t.substr(0, t.find_first_of("xXnN"));
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  return end == t.c_str() ? NAN : v;
}

// Array.prototype.join over the values: null and undefined join as empty strings.
std::string join(const List& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    if (!items[i].is_null() && !items[i].is_undefined()) out += items[i].js_string();
  }
  return out;
}

std::string indent(const std::string& s, const std::string& pad, bool first, bool blank) {
  auto lines = split_on(s, "\n");
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    bool keep = (!first && i == 0) || (!blank && lines[i].empty());
    out += (i ? "\n" : "") + (keep ? "" : pad) + lines[i];
  }
  return out;
}

const Value* arg(const Args& a, std::size_t i, const char* name) {
  return i < a.pos.size() ? &a.pos[i] : a.kwarg(name);
}

}  // namespace

Value Interpreter::filter(const Value& operand, const Node& f, const EnvPtr& env) {
  if (f.kind == K::kCall) return filter_call(operand, f, env);
  const std::string& name = f.name;
  if (name == "safe") return operand;
  if (name == "tojson") return Value::string(to_json(operand));
  if (operand.is_list()) {
    const List& items = operand.items();
    if (name == "list") return operand;
    if (name == "first") return items.empty() ? Value() : items.front();
    if (name == "last") return items.empty() ? Value() : items.back();
    if (name == "length") return Value::integer(static_cast<double>(items.size()));
    if (name == "reverse") return Value::list(List(items.rbegin(), items.rend()));
    if (name == "sort") {
      List sorted = items;
      std::stable_sort(sorted.begin(), sorted.end(), [](const Value& a, const Value& b) { return compare_values(a, b, false) < 0; });
      return Value::list(std::move(sorted));
    }
    if (name == "join") return Value::string(join(items, ""));
    if (name == "string") return Value::string(to_json(operand, {}, 0, false));
    if (name == "unique") {
      List out;
      for (const auto& e : items)
        if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return o.strict_equals(e); })) out.push_back(e);
      return Value::list(std::move(out));
    }
    fail("Unknown ArrayValue filter: " + name);
  }
  if (operand.is_string()) {
    const std::string& s = operand.str();
    if (name == "length" || name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
      Value b = builtin_member(operand, name);
      return b.is(VK::kFunction) ? b.fn()(Args{}) : b;
    }
    if (name == "trim") return Value::string(js_trim(s));
    if (name == "indent") return Value::string(indent(s, "    ", false, false));
    if (name == "join" || name == "string") return operand;
    if (name == "int") { double v = parse_int(s); return Value::integer(std::isnan(v) ? 0 : v); }
    if (name == "float") { double v = parse_float(s); return Value::floating(std::isnan(v) ? 0 : v); }
    fail("Unknown StringValue filter: " + name);
  }
  if (operand.is_number()) {
    if (name == "abs") return operand.is(VK::kInt) ? Value::integer(std::fabs(operand.number())) : Value::floating(std::fabs(operand.number()));
    if (name == "int") return Value::integer(std::trunc(operand.number()) + 0.0);
    if (name == "float") return Value::floating(operand.number());
    if (name == "string") return Value::string(operand.to_string());
    fail("Unknown NumericValue filter: " + name);
  }
  if (operand.is_object()) {
    if (name == "items") {
      List out;
      for (const auto& [k, v] : operand.entries().items) out.push_back(Value::list({Value::string(k), v}));
      return Value::list(std::move(out));
    }
    if (name == "length") return Value::integer(static_cast<double>(operand.entries().items.size()));
    Value b = builtin_member(operand, name);
    if (b.is(VK::kFunction)) return b.fn()(Args{});
    if (!b.is_undefined()) return b;
    fail("Unknown ObjectValue filter: " + name);
  }
  if (operand.is(VK::kBool)) {
    if (name == "bool") return operand;
    if (name == "int") return Value::integer(operand.as_bool() ? 1 : 0);
    if (name == "float") return Value::floating(operand.as_bool() ? 1 : 0);
    if (name == "string") return Value::string(operand.as_bool() ? "true" : "false");
    fail("Unknown BooleanValue filter: " + name);
  }
  fail("Cannot apply filter \"" + name + "\" to type: " + operand.type_name());
}

Value Interpreter::filter_call(const Value& operand, const Node& f, const EnvPtr& env) {
  if (f.x->kind != K::kIdentifier) fail("Unknown filter: " + f.x->name);
  const std::string& name = f.x->name;
  Args a = arguments(f.a, env);
  if (name == "tojson") {
    JsonOptions o;
    const Value* indent_v = a.kwarg("indent");
    if (indent_v && !indent_v->is(VK::kInt) && !indent_v->is_null()) fail("If set, indent must be a number");
    if (indent_v && indent_v->is(VK::kInt)) o.indent = static_cast<int>(indent_v->number());
    for (auto [key, flag] : {std::pair{"ensure_ascii", &o.ensure_ascii}, std::pair{"sort_keys", &o.sort_keys}}) {
      const Value* v = a.kwarg(key);
      if (v && !v->is(VK::kBool)) fail(std::string("If set, ") + key + " must be a boolean");
      *flag = v && v->as_bool();
    }
    std::pair<std::string, std::string> seps;
    if (const Value* s = a.kwarg("separators"); s && !s->is_null()) {
      if (!s->is_list() || s->items().size() != 2 || !s->items()[0].is_string() || !s->items()[1].is_string())
        fail("separators must be a tuple of two strings");
      seps = {s->items()[0].str(), s->items()[1].str()};
      o.separators = &seps;
    }
    return Value::string(to_json(operand, o));
  }
  if (name == "join") {
    List items;
    if (operand.is_string()) {
      for (auto& c : code_points(operand.str())) items.push_back(Value::string(c));
    } else if (operand.is_list()) {
      items = operand.items();
    } else {
      fail("Cannot apply filter \"join\" to type: " + operand.type_name());
    }
    const Value* sep = arg(a, 0, "separator");
    if (sep && !sep->is_string()) fail("separator must be a string");
    return Value::string(join(items, sep ? sep->str() : ""));
  }
  if (name == "default") {
    Value fallback = a.pos.empty() ? Value::string("") : a.pos[0];
    const Value* boolean = arg(a, 1, "boolean");
    if (boolean && !boolean->is(VK::kBool)) fail("`default` filter flag must be a boolean");
    if (operand.is_undefined() || (boolean && boolean->as_bool() && !operand.truthy())) return fallback;
    return operand;
  }
  if (name == "int" || name == "float") {
    bool is_int = name == "int";
    const Value* d = arg(a, 0, "default");
    Value fallback = d ? *d : is_int ? Value::integer(0) : Value::floating(0);
    if (operand.is_string()) {
      double v = is_int ? parse_int(operand.str()) : parse_float(operand.str());
      return std::isnan(v) ? fallback : is_int ? Value::integer(v) : Value::floating(v);
    }
    if (operand.is_number()) return is_int ? Value::integer(std::trunc(operand.number()) + 0.0) : Value::floating(operand.number());
    if (operand.is(VK::kBool)) return is_int ? Value::integer(operand.as_bool()) : Value::floating(operand.as_bool());
    fail("Cannot apply filter \"" + name + "\" to type: " + operand.type_name());
  }
  if (operand.is_list()) {
    const List& items = operand.items();
    if (name == "selectattr" || name == "rejectattr") {
      bool select = name == "selectattr";
      for (const auto& e : items)
        if (!e.is_attribute_container()) fail("`" + name + "` can only be applied to array of objects");
      for (const auto& n : f.a)
        if (n->kind != K::kString) fail("arguments of `" + name + "` must be strings");
      const std::string attr = a.pos.size() > 0 ? a.pos[0].str() : "undefined";
      if (a.pos.size() > 1 && !has_test(a.pos[1].str())) fail("Unknown test: " + a.pos[1].str());
      List out;
      for (const auto& e : items) {
        const Value* v = e.entries().find(attr);
        bool r = v && (a.pos.size() > 1 ? run_test(a.pos[1].str(), *v, a.pos.size() > 2 ? &a.pos[2] : nullptr) : v->truthy());
        if (r == select) out.push_back(e);
      }
      return Value::list(std::move(out));
    }
    if (name == "map") {
      const Value* attr = a.kwarg("attribute");
      if (!attr) fail("`map` expressions without `attribute` set are not currently supported.");
      if (!attr->is_string()) fail("attribute must be a string");
      const Value* fallback = a.kwarg("default");
      List out;
      for (const auto& e : items) {
        if (!e.is_attribute_container()) fail("items in map must be an object");
        Value v = attribute_path(e, attr->str());
        out.push_back(v.is_undefined() && fallback ? *fallback : v);
      }
      return Value::list(std::move(out));
    }
    if (name == "sort") {
      const Value* reverse = arg(a, 0, "reverse");
      const Value* cs = arg(a, 1, "case_sensitive");
      const Value* attr = arg(a, 2, "attribute");
      bool rev = reverse && reverse->as_bool(), sensitive = cs && cs->as_bool();
      auto key = [&](const Value& v) {
        if (!attr || attr->is_null()) return v;
        return attribute_path(v, attr->is_string() ? attr->str() : attr->js_string());
      };
      List sorted = items;
      std::stable_sort(sorted.begin(), sorted.end(), [&](const Value& x, const Value& y) {
        int c = compare_values(key(x), key(y), sensitive);
        return rev ? c > 0 : c < 0;
      });
      return Value::list(std::move(sorted));
    }
    fail("Unknown ArrayValue filter: " + name);
  }
  if (operand.is_string()) {
    if (name == "indent") {
      const Value* width = arg(a, 0, "width");
      if (width && !width->is(VK::kInt) && !width->is_string()) fail("width must be an integer or a string");
      std::string pad = !width ? "    " : width->is_string() ? width->str()
                                         : std::string(static_cast<std::size_t>(std::max(0.0, width->number())), ' ');
      const Value* first = arg(a, 1, "first");
      const Value* blank = arg(a, 2, "blank");
      return Value::string(indent(operand.str(), pad, first && first->truthy(), blank && blank->truthy()));
    }
    if (name == "replace") {
      Value fn = builtin_member(operand, "replace");
      return fn.fn()(a);
    }
    fail("Unknown StringValue filter: " + name);
  }
  if (operand.is_object()) {
    Value b = builtin_member(operand, name);
    if (b.is(VK::kFunction)) return b.fn()(a);
    fail("Unknown ObjectValue filter: " + name);
  }
  fail("Cannot apply filter \"" + name + "\" to type: " + operand.type_name());
}

}  // namespace guardian::text::jinja

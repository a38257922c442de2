#include "text/jinja_interpreter.h"

#include <cmath>

#include "text/jinja_error.h"
#include "text/jinja_lexer.h"
#include "text/jinja_strings.h"

namespace guardian::text::jinja {
namespace {

using K = Node::Kind;
using VK = Value::Kind;

[[noreturn]] void fail(const std::string& detail) { throw TemplateError(detail, ""); }

Value number_like(bool is_float, double v) { return is_float ? Value::floating(v) : Value::integer(v); }
bool numeric_like(const Value& v) { return v.is_number() || v.is(VK::kBool); }
double numeric(const Value& v) { return v.is(VK::kBool) ? (v.as_bool() ? 1 : 0) : v.number(); }

}  // namespace

Value Env::lookup(const std::string& name) const {
  for (const Env* e = this; e; e = e->parent_.get()) {
    auto it = e->vars_.find(name);
    if (it != e->vars_.end()) return it->second;
  }
  return Value();
}

void Env::declare(const std::string& name, Value v) {
  if (!vars_.emplace(name, std::move(v)).second) fail("Variable already declared: " + name);
}

EnvPtr Interpreter::globals(const Value& context) const {
  auto env = std::make_shared<Env>();
  env->set("namespace", Value::function(namespace_value));
  for (const char* name : {"false", "False"}) env->declare(name, Value::boolean(false));
  for (const char* name : {"true", "True"}) env->declare(name, Value::boolean(true));
  for (const char* name : {"none", "None"}) env->declare(name, Value::null());
  env->declare("raise_exception", Value::function([](const Args& a) -> Value {
    std::string message = a.pos.empty() || a.pos[0].is_undefined() ? "" : a.pos[0].js_string();
    throw TemplateRaised(message);
  }));
  env->declare("range", Value::function([](const Args& a) {
    if (a.pos.empty()) fail("range() expects at least one argument");
    double start = 0, stop = a.pos[0].number(), step = 1;
    if (a.pos.size() > 1) start = a.pos[0].number(), stop = a.pos[1].number();
    if (a.pos.size() > 2) step = a.pos[2].number();
    if (step == 0) fail("range() step must not be zero");
    List out;
    for (double i = start; step > 0 ? i < stop : i > stop; i += step)
      out.push_back(std::floor(i) == i ? Value::integer(i) : Value::floating(i));
    return Value::list(std::move(out));
  }));
  auto now = now_;
  env->declare("strftime_now", Value::function([now](const Args& a) {
    std::string format = a.pos.empty() ? "undefined" : a.pos[0].js_string();
    return Value::string(strftime_js(now.value_or(std::chrono::system_clock::now()), now.has_value(), format));
  }));
  for (const auto& [k, v] : context.entries().items) env->declare(k, v);
  return env;
}

std::string Interpreter::render(const Node& program, const EnvPtr& env) { return render_block(program.a, env); }

std::string Interpreter::render_block(const NodeList& body, const EnvPtr& env) {
  std::string out;
  for (const auto& s : body) {
    try {
      switch (s->kind) {
        case K::kText: out += s->name; break;
        case K::kIf: out += render_block(eval(s->x.get(), env).truthy() ? s->a : s->b, env); break;
        case K::kFor: out += render_for(*s, env); break;
        case K::kSet: set(*s, env); break;
        case K::kComment: break;
        case K::kMacro: define_macro(*s, env); break;
        case K::kBreak: throw BreakSignal{};
        case K::kContinue: throw ContinueSignal{};
        default: {
          Value v = eval(s.get(), env);
          if (!v.is_null() && !v.is_undefined()) out += v.to_string();
        }
      }
    } catch (const TemplateError& e) {
      if (!e.position().empty()) throw;
      throw TemplateError(e.detail(), describe_position(text_, s->offset));
    }
  }
  return out;
}

Value Interpreter::eval(const Node* n, const EnvPtr& env) {
  if (!n) return Value();
  switch (n->kind) {
    case K::kIdentifier: return env->lookup(n->name);
    case K::kInteger: return Value::integer(n->number);
    case K::kFloat: return Value::floating(n->number);
    case K::kString: case K::kText: return Value::string(n->name);
    case K::kBinary: return binary(*n, env);
    case K::kUnary: return unary(*n, env);
    case K::kMember: return member(*n, env);
    case K::kCall: return call(*n, env);
    case K::kFilter: return filter(eval(n->x.get(), env), *n->y, env);
    case K::kTest: return test(*n, env);
    case K::kTernary: return eval(eval(n->x.get(), env).truthy() ? n->y.get() : n->z.get(), env);
    case K::kSelect: return eval(n->y.get(), env).truthy() ? eval(n->x.get(), env) : Value();
    case K::kArray: case K::kTuple: {
      List items;
      for (const auto& e : n->a) items.push_back(eval(e.get(), env));
      return Value::list(std::move(items), n->kind == K::kArray ? VK::kList : VK::kTuple);
    }
    case K::kObject: {
      Dict d;
      for (std::size_t i = 0; i < n->a.size(); ++i) {
        Value key = eval(n->a[i].get(), env);
        if (!key.is_string()) fail("Object keys must be strings: got " + key.type_name());
        d.set(key.str(), eval(n->b[i].get(), env));
      }
      return Value::dict(std::move(d));
    }
    case K::kIf: return Value::string(render_block(eval(n->x.get(), env).truthy() ? n->a : n->b, env));
    case K::kFor: return Value::string(render_for(*n, env));
    case K::kSet: set(*n, env); return Value::null();
    case K::kMacro: define_macro(*n, env); return Value::null();
    case K::kComment: return Value::null();
    case K::kBreak: throw BreakSignal{};
    case K::kContinue: throw ContinueSignal{};
    case K::kProgram: return Value::string(render_block(n->a, env));
    default: fail("unexpected node in an expression");
  }
}

Value Interpreter::binary(const Node& n, const EnvPtr& env) {
  const std::string& op = n.name;
  Value left = eval(n.x.get(), env);
  if (op == "and") return left.truthy() ? eval(n.y.get(), env) : left;
  if (op == "or") return left.truthy() ? left : eval(n.y.get(), env);
  Value right = eval(n.y.get(), env);
  if (op == "==") return Value::boolean(left.loose_equals(right));
  if (op == "!=") return Value::boolean(!left.loose_equals(right));
  if (left.is_number() && right.is_number() && op != "~" && op != "**") {
    double a = left.number(), b = right.number();
    bool is_float = left.is(VK::kFloat) || right.is(VK::kFloat);
    if (op == "+") return number_like(is_float, a + b);
    if (op == "-") return number_like(is_float, a - b);
    if (op == "*") return number_like(is_float, a * b);
    if (op == "/") return Value::floating(a / b);
    if (op == "//") return number_like(is_float, std::floor(a / b));
    if (op == "%") return number_like(is_float, std::fmod(a, b));
    if (op == "<") return Value::boolean(a < b);
    if (op == ">") return Value::boolean(a > b);
    if (op == ">=") return Value::boolean(a >= b);
    if (op == "<=") return Value::boolean(a <= b);
  } else if (left.is_undefined() || right.is_undefined()) {
    if (right.is_undefined() && (op == "in" || op == "not in")) return Value::boolean(op == "not in");
    if (op == "~" && !left.is_null() && !right.is_null())
      return Value::string((left.is_undefined() ? "" : left.js_string()) + (right.is_undefined() ? "" : right.js_string()));
    fail("Cannot perform operation " + op + " on undefined values");
  } else if (left.is_null() || right.is_null()) {
    fail("Cannot perform operation on null values");
  } else if (op == "~") {
    return Value::string(left.js_string() + right.js_string());
  } else if (op == "**" && numeric_like(left) && numeric_like(right)) {
    double a = numeric(left), b = numeric(right);
    if (a == 0 && b < 0) fail("0.0 cannot be raised to a negative power");
    double r = std::pow(a, b);
    if (!std::isfinite(r)) fail("Exponentiation result is not a finite real number");
    return number_like(left.is(VK::kFloat) || right.is(VK::kFloat) || b < 0, r);
  } else if (left.is_list() && right.is_list()) {
    if (op == "+") {
      List joined = left.items();
      joined.insert(joined.end(), right.items().begin(), right.items().end());
      return Value::list(std::move(joined));
    }
  } else if (right.is_list()) {
    bool found = false;
    for (const auto& e : right.items()) found = found || e.strict_equals(left);
    if (op == "in") return Value::boolean(found);
    if (op == "not in") return Value::boolean(!found);
  }
  if ((left.is_string() || right.is_string()) && op == "+") return Value::string(left.js_string() + right.js_string());
  if (left.is_string() && right.is_string() && (op == "in" || op == "not in"))
    return Value::boolean((right.str().find(left.str()) != std::string::npos) == (op == "in"));
  if (left.is_string() && right.is_object() && (op == "in" || op == "not in"))
    return Value::boolean((right.entries().find(left.str()) != nullptr) == (op == "in"));
  fail("Unknown operator \"" + op + "\" between " + left.type_name() + " and " + right.type_name());
}

Value Interpreter::unary(const Node& n, const EnvPtr& env) {
  Value v = eval(n.x.get(), env);
  if (n.name == "not") return Value::boolean(!v.truthy());
  if (!numeric_like(v)) fail("Unknown operator \"" + n.name + "\" for " + v.type_name());
  double r = (n.name == "-" ? -1 : 1) * numeric(v);
  return number_like(v.is(VK::kFloat), r);
}

Value Interpreter::member(const Node& n, const EnvPtr& env) {
  Value object = eval(n.x.get(), env);
  Value property;
  if (n.flag) {
    if (n.y->kind == K::kSlice) return slice(object, *n.y, env);
    property = eval(n.y.get(), env);
  } else if (n.y->kind == K::kInteger) {
    property = Value::integer(n.y->number);
  } else {
    property = Value::string(n.y->name);
  }
  if (object.is_attribute_container()) {
    if (!property.is_string()) fail("Cannot access property with non-string: got " + property.type_name());
    if (const Value* v = object.entries().find(property.str())) return *v;
    return object.is_object() ? builtin_member(object, property.str()) : Value();
  }
  if (object.is_list() || object.is_string()) {
    if (property.is(VK::kInt)) {
      // Array.prototype.at / String.prototype.at: negative counts from the end.
      if (object.is_list()) {
        auto size = static_cast<double>(object.items().size());
        double i = property.number() < 0 ? size + property.number() : property.number();
        return i >= 0 && i < size ? object.items()[static_cast<std::size_t>(i)] : Value();
      }
      auto chars = code_points(object.str());
      auto size = static_cast<double>(chars.size());
      double i = property.number() < 0 ? size + property.number() : property.number();
      return i >= 0 && i < size ? Value::string(chars[static_cast<std::size_t>(i)]) : Value();
    }
    if (property.is_string()) return builtin_member(object, property.str());
    fail("Cannot access property with non-string/non-number: got " + property.type_name());
  }
  if (!property.is_string()) fail("Cannot access property with non-string: got " + property.type_name());
  return Value();
}

Value Interpreter::slice(const Value& object, const Node& n, const EnvPtr& env) {
  if (!object.is_list() && !object.is_string()) fail("Slice object must be an array or string");
  Value parts[3] = {eval(n.x.get(), env), eval(n.y.get(), env), eval(n.z.get(), env)};
  const char* const names[3] = {"start", "stop", "step"};
  for (int i = 0; i < 3; ++i)
    if (!parts[i].is(VK::kInt) && !parts[i].is_undefined())
      fail(std::string("Slice ") + names[i] + " must be numeric or undefined");
  std::vector<std::string> chars;
  if (object.is_string()) chars = code_points(object.str());
  const double size = static_cast<double>(object.is_list() ? object.items().size() : chars.size());
  double step = parts[2].is_undefined() ? 1 : parts[2].number();
  double start, stop;
  if (step >= 0) {
    start = parts[0].is_undefined() ? 0 : parts[0].number();
    stop = parts[1].is_undefined() ? size : parts[1].number();
    start = start < 0 ? std::max(size + start, 0.0) : std::min(start, size);
    stop = stop < 0 ? std::max(size + stop, 0.0) : std::min(stop, size);
  } else {
    start = parts[0].is_undefined() ? size - 1 : parts[0].number();
    stop = parts[1].is_undefined() ? -1 : parts[1].number();
    start = start < 0 ? std::max(size + start, -1.0) : std::min(start, size - 1);
    stop = stop < -1 ? std::max(size + stop, -1.0) : std::min(stop, size - 1);
  }
  double dir = step > 0 ? 1 : step < 0 ? -1 : 0;
  List items;
  std::string text;
  if (step != 0)
    for (double i = start; dir * i < dir * stop; i += step) {
      auto k = static_cast<std::size_t>(i);
      if (object.is_list()) items.push_back(object.items()[k]);
      else text += chars[k];
    }
  return object.is_list() ? Value::list(std::move(items)) : Value::string(std::move(text));
}

Args Interpreter::arguments(const NodeList& args, const EnvPtr& env) {
  Args out;
  for (const auto& a : args)
    if (a->kind != K::kKeywordArgument) out.pos.push_back(eval(a.get(), env));
  for (const auto& a : args)
    if (a->kind == K::kKeywordArgument) {
      if (out.kwarg(a->name)) fail("Got multiple values for keyword argument '" + a->name + "'");
      out.kwargs.emplace_back(a->name, eval(a->x.get(), env));
    }
  return out;
}

Value Interpreter::call(const Node& n, const EnvPtr& env) {
  Args args = arguments(n.a, env);
  Value fn = eval(n.x.get(), env);
  if (!fn.is(VK::kFunction)) fail("Cannot call something that is not a function: got " + fn.type_name());
  return fn.fn()(args);
}

Value Interpreter::test(const Node& n, const EnvPtr& env) {
  Value operand = eval(n.x.get(), env);
  if (!has_test(n.name)) fail("Unknown test: " + n.name);
  bool r = run_test(n.name, operand, nullptr);
  return Value::boolean(n.flag ? !r : r);
}

}  // namespace guardian::text::jinja

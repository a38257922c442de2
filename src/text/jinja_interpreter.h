// Chat-template interpreter: renders a parsed template over an environment of values, with the
// semantics of @huggingface/jinja (scopes, loops, set and namespace, macros, operators, filters,
// tests, member access and the built-in methods of strings and dicts).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "text/jinja_ast.h"
#include "text/jinja_value.h"

namespace guardian::text::jinja {

// {% break %} and {% continue %}, thrown to the enclosing loop.
struct BreakSignal {};
struct ContinueSignal {};

// One scope of variables; lookups go up to the parent (the template's globals at the top).
class Env {
 public:
  explicit Env(std::shared_ptr<Env> parent = nullptr) : parent_(std::move(parent)) {}
  Value lookup(const std::string& name) const;
  void set(const std::string& name, Value v) { vars_[name] = std::move(v); }
  // Throws when the name is already set here (a context key that shadows a global).
  void declare(const std::string& name, Value v);

 private:
  std::shared_ptr<Env> parent_;
  std::unordered_map<std::string, Value> vars_;
};
using EnvPtr = std::shared_ptr<Env>;

class Interpreter {
 public:
  // now: the instant strftime_now formats, in UTC; unset: the local time when it is called.
  Interpreter(std::string_view text, std::optional<std::chrono::system_clock::time_point> now)
      : text_(text), now_(now) {}

  // The environment a render starts from: the reference's globals, then the context's keys.
  EnvPtr globals(const Value& context) const;
  std::string render(const Node& program, const EnvPtr& env);

 private:
  std::string render_block(const NodeList& body, const EnvPtr& env);
  Value eval(const Node* n, const EnvPtr& env);
  Value binary(const Node& n, const EnvPtr& env);
  Value unary(const Node& n, const EnvPtr& env);
  Value member(const Node& n, const EnvPtr& env);
  Value slice(const Value& object, const Node& n, const EnvPtr& env);
  Value call(const Node& n, const EnvPtr& env);
  Args arguments(const NodeList& args, const EnvPtr& env);
  Value test(const Node& n, const EnvPtr& env);
  Value filter(const Value& operand, const Node& f, const EnvPtr& env);     // jinja_filters.cpp
  Value filter_call(const Value& operand, const Node& f, const EnvPtr& env);
  void set(const Node& n, const EnvPtr& env);
  std::string render_for(const Node& n, const EnvPtr& env);
  void define_macro(const Node& n, const EnvPtr& env);

  std::string_view text_;
  std::optional<std::chrono::system_clock::time_point> now_;
};

// Built-ins shared by the interpreter and the filters (jinja_builtins.cpp).
Value builtin_member(const Value& object, const std::string& name);  // a method, length, or undefined
bool run_test(const std::string& name, const Value& operand, const Value* argument);
bool has_test(const std::string& name);
int compare_values(const Value& a, const Value& b, bool case_sensitive);  // -1, 0, 1; throws on mixed types
Value attribute_path(const Value& item, const std::string& path);         // "a.b.0" into dicts and lists
std::string strftime_js(std::chrono::system_clock::time_point t, bool utc, const std::string& format);
Value namespace_value(const Args& args);

}  // namespace guardian::text::jinja

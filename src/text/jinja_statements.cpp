// The interpreter's statements: set (names, tuples, namespace attributes, blocks), for loops
// (loop.*, inline filters, else, break and continue) and macros.
#include <memory>

#include "text/jinja_error.h"
#include "text/jinja_interpreter.h"

namespace guardian::text::jinja {
namespace {

using K = Node::Kind;
using VK = Value::Kind;

[[noreturn]] void fail(const std::string& detail) { throw TemplateError(detail, ""); }

void bind(const Node& target, const Value& item, Env& scope) {
  if (target.kind == K::kIdentifier) return scope.set(target.name, item);
  for (std::size_t j = 0; j < target.a.size(); ++j) {
    if (target.a[j]->kind != K::kIdentifier) fail("Cannot unpack non-identifier type");
    scope.set(target.a[j]->name, j < item.items().size() ? item.items()[j] : Value());
  }
}

Value loop_value(std::size_t i, const List& items) {
  const double n = static_cast<double>(items.size()), k = static_cast<double>(i);
  Dict d;
  d.items = {{"index", Value::integer(k + 1)},     {"index0", Value::integer(k)},
             {"revindex", Value::integer(n - k)},  {"revindex0", Value::integer(n - k - 1)},
             {"first", Value::boolean(i == 0)},    {"last", Value::boolean(k == n - 1)},
             {"length", Value::integer(n)},
             {"previtem", i > 0 ? items[i - 1] : Value()},
             {"nextitem", i + 1 < items.size() ? items[i + 1] : Value()}};
  return Value::dict(std::move(d));
}

}  // namespace

void Interpreter::set(const Node& n, const EnvPtr& env) {
  Value rhs = n.y ? eval(n.y.get(), env) : Value::string(render_block(n.a, env));
  const Node& target = *n.x;
  if (target.kind == K::kIdentifier) {
    env->set(target.name, rhs);
  } else if (target.kind == K::kTuple) {
    if (!rhs.is_list()) fail("Cannot unpack non-iterable type in set: " + rhs.type_name());
    if (rhs.items().size() != target.a.size())
      fail(std::string("Too ") + (target.a.size() > rhs.items().size() ? "few" : "many") + " items to unpack in set");
    bind(target, rhs, *env);
  } else if (target.kind == K::kMember) {
    Value object = eval(target.x.get(), env);
    if (!object.is(VK::kNamespace)) fail("cannot assign attribute on non-namespace object");
    if (target.y->kind != K::kIdentifier || target.flag) fail("Cannot assign to member with non-identifier property");
    object.entries().set(target.y->name, rhs);
  } else {
    fail("Invalid left-hand side of set");
  }
}

std::string Interpreter::render_for(const Node& n, const EnvPtr& env) {
  auto scope = std::make_shared<Env>(env);
  const Node* filter = nullptr;
  Value iterable;
  if (n.y->kind == K::kSelect) {
    iterable = eval(n.y->x.get(), scope);
    filter = n.y->y.get();
  } else {
    iterable = eval(n.y.get(), scope);
  }
  if (!iterable.is_list() && !iterable.is_object())
    fail("Expected iterable or object type in for loop: got " + iterable.type_name());
  List candidates;
  if (iterable.is_object()) {
    for (const auto& [k, v] : iterable.entries().items) candidates.push_back(Value::string(k));
  } else {
    candidates = iterable.items();
  }
  const Node& target = *n.x;
  List items;
  if (target.kind == K::kIdentifier && !filter) {
    items = std::move(candidates);
  } else {
    for (const auto& current : candidates) {
      if (target.kind == K::kTuple) {
        if (!current.is(VK::kList)) fail("Cannot unpack non-iterable type: " + current.type_name());
        if (current.items().size() != target.a.size())
          fail(std::string("Too ") + (target.a.size() > current.items().size() ? "few" : "many") + " items to unpack");
      }
      if (filter) {
        auto test_scope = std::make_shared<Env>(scope);
        bind(target, current, *test_scope);
        if (!eval(filter, test_scope).truthy()) continue;
      }
      items.push_back(current);
    }
  }
  std::string out;
  bool no_iteration = true;
  for (std::size_t i = 0; i < items.size(); ++i) {
    scope->set("loop", loop_value(i, items));
    bind(target, items[i], *scope);
    try {
      out += render_block(n.a, scope);
    } catch (const ContinueSignal&) {
      continue;
    } catch (const BreakSignal&) {
      break;
    }
    no_iteration = false;
  }
  if (no_iteration) out += render_block(n.b, scope);
  return out;
}

void Interpreter::define_macro(const Node& n, const EnvPtr& env) {
  std::weak_ptr<Env> defined_in = env;
  const Node* macro = &n;
  env->set(n.name, Value::function([this, defined_in, macro](const Args& args) {
    auto parent = defined_in.lock();
    if (!parent) fail("macro '" + macro->name + "' called outside the scope that defined it");
    auto scope = std::make_shared<Env>(parent);
    auto kwargs = args.kwargs;
    std::vector<const Node*> pending;
    for (std::size_t i = 0; i < macro->a.size(); ++i) {
      const Node& p = *macro->a[i];
      Value v;
      bool given = i < args.pos.size();
      if (given) v = args.pos[i];
      for (std::size_t k = 0; !given && k < kwargs.size(); ++k)
        if (kwargs[k].first == p.name) v = kwargs[k].second, given = true, kwargs.erase(kwargs.begin() + static_cast<long>(k));
      if (!given && p.kind == K::kKeywordArgument) pending.push_back(&p);
      scope->set(p.name, v);
    }
    if (!kwargs.empty()) fail("macro '" + macro->name + "' takes no keyword argument '" + kwargs[0].first + "'");
    if (args.pos.size() > macro->a.size())
      fail("macro '" + macro->name + "' takes not more than " + std::to_string(macro->a.size()) + " argument(s)");
    for (const Node* p : pending) scope->set(p->name, eval(p->x.get(), scope));
    return Value::string(render_block(macro->b, scope));
  }));
}

}  // namespace guardian::text::jinja

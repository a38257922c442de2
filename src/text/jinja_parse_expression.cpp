#include "text/jinja_parse_expression.h"

#include <set>

#include "text/jinja_error.h"

namespace guardian::text::jinja {

void ExpressionParser::fail(const std::string& what) const {
  if (cur_ >= tokens_.size())
    throw TemplateError(what + ", found the end of the template", describe_position(text_, text_.size()));
  const Token& t = tokens_[cur_];
  throw TemplateError(what + ", found " + token_type_name(t.type) + " '" + t.value + "'", describe_position(text_, t.offset));
}

NodePtr ExpressionParser::expression_sequence(bool primary_only) {
  std::size_t at = peek().offset;
  NodeList items;
  items.push_back(primary_only ? primary() : expression());
  bool tuple = is(T::kComma);
  while (tuple) {
    ++cur_;
    items.push_back(primary_only ? primary() : expression());
    if (!is(T::kComma)) break;
  }
  if (!tuple) return std::move(items[0]);
  auto n = node(K::kTuple, at);
  n->a = std::move(items);
  return n;
}

NodePtr ExpressionParser::expression() {
  auto a = logical(true);
  if (is_ident("if")) {
    std::size_t at = tokens_[cur_++].offset;
    auto test = logical(true);
    if (is_ident("else")) {
      ++cur_;
      auto n = node(K::kTernary, at);
      n->x = std::move(test), n->y = std::move(a), n->z = expression();
      return n;
    }
    auto n = node(K::kSelect, at);
    n->x = std::move(a), n->y = std::move(test);
    return n;
  }
  return a;
}

NodePtr ExpressionParser::binary(std::string op, std::size_t at, NodePtr l, NodePtr r) {
  auto n = node(K::kBinary, at);
  n->name = std::move(op), n->x = std::move(l), n->y = std::move(r);
  return n;
}

// `or` (is_or) and `and` levels.
NodePtr ExpressionParser::logical(bool is_or) {
  const char* op = is_or ? "or" : "and";
  auto left = is_or ? logical(false) : negation();
  while (is_ident(op)) {
    std::size_t at = tokens_[cur_++].offset;
    left = binary(op, at, std::move(left), is_or ? logical(false) : negation());
  }
  return left;
}

NodePtr ExpressionParser::negation() {
  if (!is_ident("not")) return comparison();
  auto n = node(K::kUnary, tokens_[cur_++].offset);
  n->name = "not";
  n->x = negation();
  return n;
}

NodePtr ExpressionParser::comparison() {
  auto left = additive();
  while (true) {
    std::string op;
    std::size_t at = cur_ < tokens_.size() ? tokens_[cur_].offset : 0;
    if (is_ident("not") && is_ident("in", 1)) op = "not in", cur_ += 2;
    else if (is_ident("in") || is(T::kComparisonBinaryOperator)) op = tokens_[cur_++].value;
    else break;
    left = binary(op, at, std::move(left), additive());
  }
  return left;
}

NodePtr ExpressionParser::additive() {
  auto left = multiplicative();
  while (is(T::kAdditiveBinaryOperator)) {
    const Token& op = tokens_[cur_++];
    left = binary(op.value, op.offset, std::move(left), multiplicative());
  }
  return left;
}

NodePtr ExpressionParser::multiplicative() {
  auto left = power();
  while (is(T::kMultiplicativeBinaryOperator)) {
    const Token& op = tokens_[cur_++];
    left = binary(op.value, op.offset, std::move(left), power());
  }
  return left;
}

NodePtr ExpressionParser::power() {
  auto left = test();
  while (is(T::kExponentiationBinaryOperator)) {
    const Token& op = tokens_[cur_++];
    left = binary(op.value, op.offset, std::move(left), test());
  }
  return left;
}

NodePtr ExpressionParser::test() {
  auto operand = filter();
  while (is_ident("is")) {
    auto n = node(K::kTest, tokens_[cur_++].offset);
    n->flag = is_ident("not");
    if (n->flag) ++cur_;
    if (!is(T::kIdentifier)) fail("expected a test name after 'is'");
    n->name = tokens_[cur_++].value;
    n->x = std::move(operand);
    operand = std::move(n);
  }
  return operand;
}

NodePtr ExpressionParser::filter() {
  auto operand = unary_sign();
  while (is(T::kPipe)) {
    auto n = node(K::kFilter, tokens_[cur_++].offset);
    if (!is(T::kIdentifier)) fail("expected a filter name after '|'");
    NodePtr f = primary();
    if (is(T::kOpenParen)) f = call(std::move(f));
    n->x = std::move(operand), n->y = std::move(f);
    operand = std::move(n);
  }
  return operand;
}

NodePtr ExpressionParser::unary_sign() {
  if ((is(T::kUnaryOperator) || is(T::kAdditiveBinaryOperator)) && (peek().value == "-" || peek().value == "+")) {
    auto n = node(K::kUnary, peek().offset);
    n->name = tokens_[cur_++].value;
    n->x = unary_sign();
    return n;
  }
  auto member_expr = member(primary());
  return is(T::kOpenParen) ? call(std::move(member_expr)) : std::move(member_expr);
}

NodePtr ExpressionParser::call(NodePtr callee) {
  auto n = node(K::kCall, callee->offset);
  n->x = std::move(callee);
  n->a = arguments(false);
  NodePtr e = member(std::move(n));
  return is(T::kOpenParen) ? call(std::move(e)) : std::move(e);
}

NodeList ExpressionParser::arguments(bool parameters) {
  expect(T::kOpenParen, "expected '('");
  NodeList args;
  std::set<std::string> names;
  bool saw_keyword = false;
  while (!is(T::kCloseParen)) {
    if (is(T::kExponentiationBinaryOperator) || (is(T::kMultiplicativeBinaryOperator) && peek().value == "*"))
      fail("argument unpacking is not supported");
    std::size_t at = peek().offset;
    NodePtr arg = expression();
    if (is(T::kEquals)) {
      ++cur_;
      if (arg->kind != K::kIdentifier) fail("expected a name before '=' in the arguments");
      auto kw = node(K::kKeywordArgument, at);
      kw->name = arg->name;
      kw->x = expression();
      arg = std::move(kw);
    }
    if (parameters) {
      if (arg->kind != K::kIdentifier && arg->kind != K::kKeywordArgument) fail("expected a parameter name");
      if (!names.insert(arg->name).second) fail("duplicate parameter name '" + arg->name + "'");
    }
    if (arg->kind == K::kKeywordArgument) saw_keyword = true;
    else if (saw_keyword) fail(parameters ? "non-default parameter after a default" : "positional argument after a keyword argument");
    args.push_back(std::move(arg));
    if (is(T::kComma)) ++cur_;
  }
  ++cur_;
  return args;
}

NodePtr ExpressionParser::subscript(std::size_t at) {
  NodePtr parts[3];
  std::size_t count = 0;
  bool slice = false;
  while (!is(T::kCloseSquareBracket)) {
    if (count == 3) fail("a slice takes at most 3 parts");
    if (is(T::kColon)) {
      ++count, ++cur_, slice = true;
    } else {
      parts[count++] = expression();
      if (is(T::kColon)) ++cur_, slice = true;
    }
  }
  if (count == 0) fail("expected an index or a slice inside '[]'");
  if (!slice) return std::move(parts[0]);
  auto n = node(K::kSlice, at);
  n->x = std::move(parts[0]), n->y = std::move(parts[1]), n->z = std::move(parts[2]);
  return n;
}

NodePtr ExpressionParser::member(NodePtr object) {
  while (is(T::kDot) || is(T::kOpenSquareBracket)) {
    const Token& op = tokens_[cur_++];
    auto n = node(K::kMember, object->offset);
    n->flag = op.type == T::kOpenSquareBracket;
    if (n->flag) {
      n->y = subscript(op.offset);
      expect(T::kCloseSquareBracket, "expected ']'");
    } else {
      if (!is(T::kIdentifier) && !is(T::kNumericLiteral)) fail("expected a name or an integer after '.'");
      n->y = primary();
      if (n->y->kind != K::kIdentifier && n->y->kind != K::kInteger) fail("expected a name or an integer after '.'");
    }
    n->x = std::move(object);
    object = std::move(n);
  }
  return object;
}

NodePtr ExpressionParser::primary() {
  const Token& t = peek();
  ++cur_;
  switch (t.type) {
    case T::kNumericLiteral: {
      auto n = node(t.value.find('.') != std::string::npos ? K::kFloat : K::kInteger, t.offset);
      n->number = std::stod(t.value);
      return n;
    }
    case T::kStringLiteral: {
      auto n = node(K::kString, t.offset);
      n->name = t.value;
      while (is(T::kStringLiteral)) n->name += tokens_[cur_++].value;
      return n;
    }
    case T::kIdentifier: { auto n = node(K::kIdentifier, t.offset); n->name = t.value; return n; }
    case T::kOpenParen: {
      auto e = expression_sequence();
      expect(T::kCloseParen, "expected ')'");
      return e;
    }
    case T::kOpenSquareBracket: {
      auto n = node(K::kArray, t.offset);
      while (!is(T::kCloseSquareBracket)) {
        n->a.push_back(expression());
        if (is(T::kComma)) ++cur_;
      }
      ++cur_;
      return n;
    }
    case T::kOpenCurlyBracket: {
      auto n = node(K::kObject, t.offset);
      while (!is(T::kCloseCurlyBracket)) {
        n->a.push_back(expression());
        expect(T::kColon, "expected ':' between a key and its value");
        n->b.push_back(expression());
        if (is(T::kComma)) ++cur_;
      }
      ++cur_;
      return n;
    }
    default:
      --cur_;
      fail("unexpected token in an expression");
  }
}

}  // namespace guardian::text::jinja

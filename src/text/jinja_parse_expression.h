// The expression half of the chat-template parser (jinja_parser.cpp holds the statements): the token
// cursor and @huggingface/jinja's expression grammar, lowest precedence first: conditional, or, and,
// not, comparison and `in`, + - ~, * / // %, **, `is` tests, `|` filters, unary signs, member
// access, calls and slices, literals.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "text/jinja_ast.h"
#include "text/jinja_lexer.h"

namespace guardian::text::jinja {

class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, const std::vector<Token>& tokens) : text_(text), tokens_(tokens) {}

 protected:
  using K = Node::Kind;
  using T = TokenType;

  std::string_view text_;
  const std::vector<Token>& tokens_;
  std::size_t cur_ = 0;

  // Throws TemplateError: what was expected, the token found and its line and column.
  [[noreturn]] void fail(const std::string& what) const;
  const Token& peek() const {
    if (cur_ >= tokens_.size()) fail("unexpected end of template");
    return tokens_[cur_];
  }
  bool is(T t, std::size_t ahead = 0) const { return cur_ + ahead < tokens_.size() && tokens_[cur_ + ahead].type == t; }
  bool is_ident(const char* name, std::size_t ahead = 0) const {
    return is(T::kIdentifier, ahead) && tokens_[cur_ + ahead].value == name;
  }
  bool is_statement(std::initializer_list<const char*> names) const {
    if (!is(T::kOpenStatement) || !is(T::kIdentifier, 1)) return false;
    for (const char* n : names)
      if (tokens_[cur_ + 1].value == n) return true;
    return false;
  }
  const Token& expect(T t, const std::string& what) {
    if (!is(t)) fail(what);
    return tokens_[cur_++];
  }
  void expect_ident(const char* name) {
    if (!is_ident(name)) fail(std::string("expected '") + name + "'");
    ++cur_;
  }
  NodePtr node(K k, std::size_t at) { return std::make_unique<Node>(k, at); }

  NodePtr expression_sequence(bool primary_only = false);
  NodePtr expression();
  NodePtr binary(std::string op, std::size_t at, NodePtr l, NodePtr r);
  NodePtr logical(bool is_or);
  NodePtr negation();
  NodePtr comparison();
  NodePtr additive();
  NodePtr multiplicative();
  NodePtr power();
  NodePtr test();
  NodePtr filter();
  NodePtr unary_sign();
  NodePtr call(NodePtr callee);
  NodeList arguments(bool parameters);  // a call's arguments, or a macro's parameters
  NodePtr subscript(std::size_t at);
  NodePtr member(NodePtr object);
  NodePtr primary();
};

}  // namespace guardian::text::jinja

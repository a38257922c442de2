#include "text/jinja_parser.h"

#include <initializer_list>
#include <set>
#include <string>

#include "text/jinja_error.h"
#include "text/jinja_parse_expression.h"

namespace guardian::text::jinja {
namespace {

class Parser : public ExpressionParser {
 public:
  using ExpressionParser::ExpressionParser;

  NodePtr program() {
    auto p = std::make_unique<Node>(K::kProgram, 0);
    while (cur_ < tokens_.size()) p->a.push_back(any());
    return p;
  }

 private:
  void end_tag(const char* name) {
    expect(T::kOpenStatement, std::string("expected '{% ") + name + " %}'");
    expect_ident(name);
    expect(T::kCloseStatement, "expected '%}'");
  }

  NodePtr any() {
    const Token& t = peek();
    switch (t.type) {
      case T::kComment: ++cur_; return node(K::kComment, t.offset);
      case T::kText: { auto n = node(K::kText, t.offset); n->name = t.value; ++cur_; return n; }
      case T::kOpenStatement: return statement();
      case T::kOpenExpression: {
        ++cur_;
        auto e = expression();
        expect(T::kCloseExpression, "expected '}}' to close the expression");
        return e;
      }
      default: fail("unexpected token outside a tag");
    }
  }

  NodePtr statement() {
    ++cur_;
    if (!is(T::kIdentifier)) fail("expected a statement name after '{%'");
    const Token& name = tokens_[cur_++];
    NodePtr result;
    if (name.value == "set") {
      result = set_statement(name.offset);
    } else if (name.value == "if") {
      result = if_statement(name.offset);
      end_tag("endif");
    } else if (name.value == "for") {
      result = for_statement(name.offset);
      end_tag("endfor");
    } else if (name.value == "macro") {
      result = macro_statement(name.offset);
      end_tag("endmacro");
    } else if (name.value == "break" || name.value == "continue") {
      result = node(name.value == "break" ? K::kBreak : K::kContinue, name.offset);
      expect(T::kCloseStatement, "expected '%}'");
    } else {
      --cur_;
      fail("unsupported statement");
    }
    return result;
  }

  NodePtr set_statement(std::size_t at) {
    auto n = node(K::kSet, at);
    n->x = expression_sequence();
    if (is(T::kEquals)) {
      ++cur_;
      n->y = expression_sequence();
    } else {
      expect(T::kCloseStatement, "expected '=' or '%}' in set");
      while (!is_statement({"endset"})) n->a.push_back(any());
      expect(T::kOpenStatement, "expected '{% endset %}'");
      expect_ident("endset");
    }
    expect(T::kCloseStatement, "expected '%}' to close set");
    return n;
  }

  NodePtr if_statement(std::size_t at) {
    auto n = node(K::kIf, at);
    n->x = expression();
    expect(T::kCloseStatement, "expected '%}' after the if condition");
    while (!is_statement({"elif", "else", "endif"})) n->a.push_back(any());
    if (is_statement({"elif"})) {
      cur_ += 2;
      n->b.push_back(if_statement(tokens_[cur_ - 1].offset));
    } else if (is_statement({"else"})) {
      cur_ += 2;
      expect(T::kCloseStatement, "expected '%}' after else");
      while (!is_statement({"endif"})) n->b.push_back(any());
    }
    return n;
  }

  NodePtr macro_statement(std::size_t at) {
    auto n = node(K::kMacro, at);
    if (!is(T::kIdentifier)) fail("expected the macro's name");
    n->name = tokens_[cur_++].value;
    n->a = arguments(true);
    expect(T::kCloseStatement, "expected '%}' after the macro's parameters");
    while (!is_statement({"endmacro"})) n->b.push_back(any());
    return n;
  }

  NodePtr for_statement(std::size_t at) {
    auto n = node(K::kFor, at);
    n->x = expression_sequence(true);
    if (n->x->kind != K::kIdentifier && n->x->kind != K::kTuple) fail("expected a name or names to loop over");
    if (!is_ident("in")) fail("expected 'in' after the loop variable");
    ++cur_;
    n->y = expression();
    expect(T::kCloseStatement, "expected '%}' after the for loop's iterable");
    while (!is_statement({"endfor", "else"})) n->a.push_back(any());
    if (is_statement({"else"})) {
      cur_ += 2;
      expect(T::kCloseStatement, "expected '%}' after else");
      while (!is_statement({"endfor"})) n->b.push_back(any());
    }
    return n;
  }

};

}  // namespace

NodePtr parse(std::string_view text, const std::vector<Token>& tokens) { return Parser(text, tokens).program(); }

}  // namespace guardian::text::jinja

#include "text/jinja_lexer.h"

#include <array>
#include <utility>

#include "text/jinja_error.h"
#include "text/jinja_strings.h"
#include "text/utf8.h"

namespace guardian::text::jinja {

const char* token_type_name(TokenType t) {
  static const char* const kNames[] = {
      "Text", "NumericLiteral", "StringLiteral", "Identifier", "Equals", "OpenParen", "CloseParen",
      "OpenStatement", "CloseStatement", "OpenExpression", "CloseExpression", "OpenSquareBracket",
      "CloseSquareBracket", "OpenCurlyBracket", "CloseCurlyBracket", "Comma", "Dot", "Colon", "Pipe",
      "AdditiveBinaryOperator", "MultiplicativeBinaryOperator", "ExponentiationBinaryOperator",
      "ComparisonBinaryOperator", "UnaryOperator", "Comment"};
  return kNames[static_cast<int>(t)];
}

std::string describe_position(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') line++, column = 1;
    else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) column++;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

namespace {

// Text after preprocessing, with the original offset of every byte.
struct Source {
  std::string text;
  std::vector<std::size_t> origin;
  void append(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) text.push_back(s[i]), origin.push_back(i);
  }
};

bool line_start(const Source& s) {
  if (s.text.empty()) return true;
  char c = s.text.back();
  if (c == '\n' || c == '\r') return true;
  return s.text.size() >= 3 && (s.text.compare(s.text.size() - 3, 3, "\u2028") == 0 ||
                                s.text.compare(s.text.size() - 3, 3, "\u2029") == 0);
}

// lstrip_blocks (/^[ \t]*({[#%-])/gm removed to $1) and trim_blocks (/([#%-]})\n/g to $1).
Source strip_blocks(const Source& in) {
  Source out;
  const std::string& t = in.text;
  for (std::size_t i = 0; i < t.size();) {
    if (line_start(out)) {
      std::size_t j = i;
      while (j < t.size() && (t[j] == ' ' || t[j] == '\t')) ++j;
      if (j > i && j + 1 < t.size() && t[j] == '{' && (t[j + 1] == '#' || t[j + 1] == '%' || t[j + 1] == '-')) i = j;
    }
    out.text.push_back(t[i]), out.origin.push_back(in.origin[i]), ++i;
  }
  Source trimmed;
  for (std::size_t i = 0; i < out.text.size(); ++i) {
    trimmed.text.push_back(out.text[i]), trimmed.origin.push_back(out.origin[i]);
    char c = out.text[i];
    if ((c == '#' || c == '%' || c == '-') && i + 2 < out.text.size() && out.text[i + 1] == '}' &&
        out.text[i + 2] == '\n') {
      trimmed.text.push_back('}'), trimmed.origin.push_back(out.origin[i + 1]);
      i += 2;
    }
  }
  return trimmed;
}

// Removes {% generation %} and {% endgeneration %} (/{%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs).
Source strip_generation(const Source& in) {
  const std::string& t = in.text;
  Source out;
  std::size_t last = 0;
  auto skip_ws = [&](std::size_t p) { while (std::size_t n = whitespace_at(t, p)) p += n; return p; };
  for (std::size_t at = t.find("{%"); at != std::string::npos; at = t.find("{%", at + 1)) {
    if (at < last) continue;
    std::size_t p = at + 2;
    bool lstrip = p < t.size() && t[p] == '-';
    if (lstrip) ++p;
    p = skip_ws(p);
    if (t.compare(p, 3, "end") == 0 && t.compare(p + 3, 10, "generation") == 0) p += 3;
    if (t.compare(p, 10, "generation") != 0) continue;
    p = skip_ws(p + 10);
    bool rstrip = p < t.size() && t[p] == '-';
    if (rstrip) ++p;
    if (t.compare(p, 2, "%}") != 0) continue;
    p += 2;
    std::size_t after_end = skip_ws(p);
    std::size_t end = at;
    if (lstrip)
      while (end > last) {
        std::size_t n = whitespace_before(t, end);
        if (!n) break;
        end -= n;
      }
    for (std::size_t i = last; i < end; ++i) out.text.push_back(t[i]), out.origin.push_back(in.origin[i]);
    if (!rstrip)
      for (std::size_t i = p; i < after_end; ++i) out.text.push_back(t[i]), out.origin.push_back(in.origin[i]);
    last = after_end;
    at = after_end - 1;
  }
  for (std::size_t i = last; i < t.size(); ++i) out.text.push_back(t[i]), out.origin.push_back(in.origin[i]);
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

const std::array<std::pair<const char*, TokenType>, 30> kRules{{
    {"{%", TokenType::kOpenStatement}, {"%}", TokenType::kCloseStatement},
    {"{{", TokenType::kOpenExpression}, {"}}", TokenType::kCloseExpression},
    {"(", TokenType::kOpenParen}, {")", TokenType::kCloseParen},
    {"{", TokenType::kOpenCurlyBracket}, {"}", TokenType::kCloseCurlyBracket},
    {"[", TokenType::kOpenSquareBracket}, {"]", TokenType::kCloseSquareBracket},
    {",", TokenType::kComma}, {".", TokenType::kDot}, {":", TokenType::kColon}, {"|", TokenType::kPipe},
    {"<=", TokenType::kComparisonBinaryOperator}, {">=", TokenType::kComparisonBinaryOperator},
    {"==", TokenType::kComparisonBinaryOperator}, {"!=", TokenType::kComparisonBinaryOperator},
    {"<", TokenType::kComparisonBinaryOperator}, {">", TokenType::kComparisonBinaryOperator},
    {"+", TokenType::kAdditiveBinaryOperator}, {"-", TokenType::kAdditiveBinaryOperator},
    {"~", TokenType::kAdditiveBinaryOperator}, {"**", TokenType::kExponentiationBinaryOperator},
    {"*", TokenType::kMultiplicativeBinaryOperator}, {"//", TokenType::kMultiplicativeBinaryOperator},
    {"/", TokenType::kMultiplicativeBinaryOperator}, {"%", TokenType::kMultiplicativeBinaryOperator},
    {"=", TokenType::kEquals}, {"", TokenType::kText},
}};

}  // namespace

std::vector<Token> lex_source(std::string_view original, const std::string& src, const std::vector<std::size_t>& origin);

std::vector<Token> tokenize(std::string_view text) {
  Source s;
  s.append(text);
  if (!s.text.empty() && s.text.back() == '\n') s.text.pop_back(), s.origin.pop_back();
  s = strip_generation(strip_blocks(s));
  return lex_source(text, s.text, s.origin);
}

std::vector<Token> lex_source(std::string_view original, const std::string& src, const std::vector<std::size_t>& origin) {
  std::vector<Token> tokens;
  const std::size_t length = src.size();
  std::size_t cur = 0;
  int curly_depth = 0;
  auto where = [&](std::size_t p) { return p < origin.size() ? origin[p] : original.size(); };
  auto fail = [&](std::size_t p, const std::string& what) -> void {
    throw TemplateError(what, describe_position(original, where(p)));
  };
  auto push = [&](TokenType t, std::string v, std::size_t at) { tokens.push_back({t, std::move(v), where(at)}); };
  auto at = [&](std::size_t p) { return p < length ? src[p] : '\0'; };
  auto consume_while = [&](auto pred) {
    std::size_t start = cur;
    while (pred(cur)) {
      if (++cur >= length) fail(cur, "unexpected end of input");
    }
    return src.substr(start, cur - start);
  };
  auto strip_trailing = [&] {
    if (!tokens.empty() && tokens.back().type == TokenType::kText) {
      tokens.back().value = js_trim_end(tokens.back().value);
      if (tokens.back().value.empty()) tokens.pop_back();
    }
  };
  auto skip_leading = [&] { while (std::size_t n = whitespace_at(src, cur)) cur += n; };

  while (cur < length) {
    const TokenType* last = tokens.empty() ? nullptr : &tokens.back().type;
    TokenType last_type = last ? *last : TokenType::kText;
    if (!last || last_type == TokenType::kCloseStatement || last_type == TokenType::kCloseExpression ||
        last_type == TokenType::kComment) {
      std::size_t end = cur;
      while (true) {
        end = src.find('{', end);
        if (end == std::string::npos) { end = length; break; }
        char next = at(end + 1);
        if (next == '%' || next == '{' || next == '#') break;
        ++end;
      }
      if (end > cur) {
        push(TokenType::kText, src.substr(cur, end - cur), cur);
        cur = end;
        continue;
      }
    }
    if (src[cur] == '{') {
      char next = at(cur + 1);
      if (next == '#') {
        std::size_t open = cur;
        cur += 2;
        bool strip_before = at(cur) == '-';
        if (strip_before) ++cur;
        std::size_t end = src.find("#}", cur);
        if (end == std::string::npos) fail(open, "missing end of comment tag '#}'");
        std::string comment = src.substr(cur, end - cur);
        bool strip_after = !comment.empty() && comment.back() == '-';
        if (strip_after) comment.pop_back();
        if (strip_before) strip_trailing();
        push(TokenType::kComment, comment, open);
        cur = end + 2;
        if (strip_after) skip_leading();
        continue;
      }
      if (at(cur + 2) == '-' && (next == '%' || next == '{')) {
        strip_trailing();
        push(next == '%' ? TokenType::kOpenStatement : TokenType::kOpenExpression, next == '%' ? "{%" : "{{", cur);
        if (next == '{') curly_depth = 0;
        cur += 3;
        continue;
      }
    }
    while (std::size_t n = whitespace_at(src, cur)) {
      if ((cur += n) >= length) fail(cur, "unexpected end of input");
    }
    char c = src[cur];
    if (c == '-' && at(cur + 2) == '}' && (at(cur + 1) == '%' || at(cur + 1) == '}')) {
      bool stmt = at(cur + 1) == '%';
      push(stmt ? TokenType::kCloseStatement : TokenType::kCloseExpression, stmt ? "%}" : "}}", cur);
      cur += 3;
      skip_leading();
      continue;
    }
    if (c == '-' || c == '+') {
      if (!last || last_type == TokenType::kText) fail(cur, std::string("unexpected character '") + c + "'");
      switch (last_type) {
        case TokenType::kIdentifier: case TokenType::kNumericLiteral: case TokenType::kStringLiteral:
        case TokenType::kCloseParen: case TokenType::kCloseSquareBracket:
          break;
        default: {
          std::size_t start = cur++;
          std::string num = consume_while([&](std::size_t p) { return is_digit(at(p)); });
          if (!num.empty() && at(cur) == '.' && is_digit(at(cur + 1))) {
            ++cur;
            num += "." + consume_while([&](std::size_t p) { return is_digit(at(p)); });
          }
          push(num.empty() ? TokenType::kUnaryOperator : TokenType::kNumericLiteral, c + num, start);
          continue;
        }
      }
    }
    bool matched = false;
    for (const auto& [seq, type] : kRules) {
      std::string_view rule(seq);
      if (rule.empty()) break;
      if (rule == "}}" && curly_depth > 0) continue;
      if (src.compare(cur, rule.size(), rule) == 0) {
        push(type, std::string(rule), cur);
        if (type == TokenType::kOpenExpression) curly_depth = 0;
        else if (type == TokenType::kOpenCurlyBracket) ++curly_depth;
        else if (type == TokenType::kCloseCurlyBracket) --curly_depth;
        cur += rule.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (c == '\'' || c == '"') {
      std::size_t open = cur++;
      std::string str;
      while (true) {
        if (cur >= length) fail(open, "unterminated string literal");
        char ch = src[cur];
        if (ch == c) break;
        ++cur;
        if (ch != '\\') { str.push_back(ch); continue; }
        if (cur >= length) fail(open, "unterminated string literal");
        char esc = src[cur++];
        if (esc == 'x' || esc == 'u') {
          std::size_t n = esc == 'x' ? 2 : 4;
          std::string hex = src.substr(cur, n);
          if (hex.size() != n || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            fail(cur - 2, "invalid hexadecimal escape sequence \\" + std::string(1, esc) + hex);
          char32_t code = static_cast<char32_t>(std::stoul(hex, nullptr, 16));
          cur += n;
          // A surrogate pair written as two \u escapes is one character.
          if (code >= 0xD800 && code < 0xDC00 && src.compare(cur, 2, "\\u") == 0) {
            std::string low = src.substr(cur + 2, 4);
            if (low.size() == 4 && low.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
              char32_t lo = static_cast<char32_t>(std::stoul(low, nullptr, 16));
              if (lo >= 0xDC00 && lo < 0xE000) code = 0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00), cur += 6;
            }
          }
          append_utf8(str, code);
        } else {
          static const std::string kFrom = "ntrbfv'\"\\", kTo = "\n\t\r\b\f\v'\"\\";
          auto k = kFrom.find(esc);
          if (k == std::string::npos) fail(cur - 2, std::string("unexpected escaped character '") + esc + "'");
          str.push_back(kTo[k]);
        }
      }
      push(TokenType::kStringLiteral, str, open);
      ++cur;
      continue;
    }
    if (is_digit(c)) {
      std::size_t start = cur;
      std::string num = consume_while([&](std::size_t p) { return is_digit(at(p)); });
      if (last_type != TokenType::kDot && at(cur) == '.' && is_digit(at(cur + 1))) {
        ++cur;
        num += "." + consume_while([&](std::size_t p) { return is_digit(at(p)); });
      }
      push(TokenType::kNumericLiteral, num, start);
      continue;
    }
    if (is_word(c)) {
      std::size_t start = cur;
      push(TokenType::kIdentifier, consume_while([&](std::size_t p) { return is_word(at(p)); }), start);
      continue;
    }
    auto ch = decode_utf8(src, cur);
    fail(cur, "unexpected character '" + src.substr(cur, ch.length) + "'");
  }
  return tokens;
}

}  // namespace guardian::text::jinja

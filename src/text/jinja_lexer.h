// Chat-template lexer: the template text into tokens, as @huggingface/jinja's lexer does (its
// preprocessing included: one trailing newline dropped, lstrip_blocks and trim_blocks on, generation
// tags removed), every token carrying its offset in the original text for error messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace guardian::text::jinja {

enum class TokenType {
  kText, kNumericLiteral, kStringLiteral, kIdentifier, kEquals, kOpenParen, kCloseParen,
  kOpenStatement, kCloseStatement, kOpenExpression, kCloseExpression, kOpenSquareBracket,
  kCloseSquareBracket, kOpenCurlyBracket, kCloseCurlyBracket, kComma, kDot, kColon, kPipe,
  kAdditiveBinaryOperator, kMultiplicativeBinaryOperator, kExponentiationBinaryOperator,
  kComparisonBinaryOperator, kUnaryOperator, kComment,
};

const char* token_type_name(TokenType t);

struct Token {
  TokenType type;
  std::string value;
  std::size_t offset = 0;  // byte offset of the token in the original template text
};

// Line and column (1-based, columns in characters) of a byte offset in text.
std::string describe_position(std::string_view text, std::size_t offset);

// Throws TemplateError naming the line and column of what it could not read.
std::vector<Token> tokenize(std::string_view text);

}  // namespace guardian::text::jinja

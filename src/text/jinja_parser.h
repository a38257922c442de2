// Chat-template parser: tokens into a syntax tree, following @huggingface/jinja's grammar (operator
// precedence, `is` tests, filters, slices, macros, for-else, set blocks). Unsupported or malformed
// syntax throws TemplateError naming the line, column and the token found there.
#pragma once

#include <string_view>
#include <vector>

#include "text/jinja_ast.h"
#include "text/jinja_lexer.h"

namespace guardian::text::jinja {

NodePtr parse(std::string_view text, const std::vector<Token>& tokens);

}  // namespace guardian::text::jinja

// A user's question as an FTS5 MATCH expression: its tokens, each quoted (so quotes, '*', '-',
// NEAR, OR, AND, NOT and column filters in the question are words, never query syntax), joined
// by OR so that BM25 ranks chunks by how many of the question's terms they hold and how rare.
#pragma once

#include <string>
#include <string_view>

#include "retrieve/search_tokenizer.h"

namespace guardian::retrieve {

// "" when the question has no token (only punctuation or spaces): such a question matches nothing.
// Repeated tokens appear once, so repeating a word does not weigh it twice.
std::string match_query(std::string_view question, HangulGrams grams);

}  // namespace guardian::retrieve

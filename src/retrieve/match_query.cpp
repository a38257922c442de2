#include "retrieve/match_query.h"

#include <set>

namespace guardian::retrieve {

std::string match_query(std::string_view question, HangulGrams grams) {
  std::string out;
  std::set<std::string, std::less<>> seen;
  tokenize(question, grams, [&](std::string_view token, std::size_t, std::size_t) {
    if (!seen.insert(std::string(token)).second) return true;
    if (!out.empty()) out += " OR ";
    out += '"';
    for (char c : token) {
      if (c == '"') out += '"';  // FTS5 escapes a quote inside a string by doubling it
      out += c;
    }
    out += '"';
    return true;
  });
  return out;
}

}  // namespace guardian::retrieve

// The index's tokenisation, shared by indexing and queries: Hangul as syllable n-grams (Korean
// attaches particles and endings to words, so "요금제를" must still match "요금제"), every other
// script as lowercase NFKC words. FTS5 ships no such tokenizer: unicode61 keeps a whole eojeol
// with its particle, trigram cannot match a one- or two-syllable word, so this one is hand-written
// and registered into SQLite through fts5_api.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

namespace guardian::retrieve {

// Which Hangul grams a run of syllables yields.
enum class HangulGrams {
  kBigrams,             // each pair of neighbouring syllables; a lone syllable as itself
  kUnigramsAndBigrams,  // every syllable as well as each pair
};

// "bigrams" or "unigrams+bigrams"; InputError on anything else.
HangulGrams parse_hangul_grams(const std::string& name);
std::string to_string(HangulGrams grams);

// A token and the byte range [begin, end) of the input it came from. Returning false stops.
using TokenSink = std::function<bool(std::string_view token, std::size_t begin, std::size_t end)>;

// Tokenises UTF-8 text (invalid sequences are separators). Returns false when the sink stopped it.
bool tokenize(std::string_view text, HangulGrams grams, const TokenSink& sink);

// The tokens alone, in order (tests and query building).
std::vector<std::string> tokens_of(std::string_view text, HangulGrams grams);

// The name the index's FTS5 table names in tokenize='...': kTokenizerName then the grams.
inline constexpr const char* kTokenizerName = "guardian";

// Registers the tokenizer on a connection (each connection that reads or writes the index needs
// it); FormatError when this SQLite has no FTS5.
void register_search_tokenizer(sqlite3* db);

}  // namespace guardian::retrieve

#include "retrieve/search_tokenizer.h"

#include <memory>
#include <new>

#include <utf8proc.h>

#include "core/error.h"
#include "text/hangul.h"
#include "text/normalize.h"
#include "text/utf8.h"

namespace guardian::retrieve {

namespace {

enum class CharClass { kHangul, kWord, kSeparator };

CharClass classify(char32_t c) {
  if (text::is_hangul_syllable(c)) return CharClass::kHangul;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return CharClass::kWord;
    default:
      return CharClass::kSeparator;
  }
}

// One character of the normalised text: its code point and its bytes [begin, end) there.
struct Char {
  char32_t code;
  std::size_t begin, end;
};

}  // namespace

HangulGrams parse_hangul_grams(const std::string& name) {
  if (name == "bigrams") return HangulGrams::kBigrams;
  if (name == "unigrams+bigrams") return HangulGrams::kUnigramsAndBigrams;
  throw InputError("unknown Hangul grams '" + name + "' (expected bigrams or unigrams+bigrams)");
}

std::string to_string(HangulGrams grams) {
  return grams == HangulGrams::kBigrams ? "bigrams" : "unigrams+bigrams";
}

bool tokenize(std::string_view input, HangulGrams grams, const TokenSink& sink) {
  // NFKC first (fullwidth "ＬＴＥ" is "LTE"), keeping each byte's source range so offsets point
  // into the caller's text as FTS5 requires.
  const text::NormalizedText norm = text::normalize_aligned(input, /*lossy=*/true);
  std::vector<Char> chars;
  for (std::size_t pos = 0; pos < norm.text.size();) {
    const auto decoded = text::decode_utf8(norm.text, pos);
    chars.push_back({decoded.valid ? decoded.code : U'\uFFFD', pos, pos + decoded.length});
    pos += decoded.length;
  }
  auto emit = [&](std::string_view token, std::size_t first, std::size_t last) {
    const auto [begin, end] = norm.source_range(chars[first].begin, chars[last].end);
    return sink(token, begin, end);
  };
  std::string token;
  for (std::size_t i = 0; i < chars.size();) {
    const CharClass cls = classify(chars[i].code);
    std::size_t j = i;
    while (j < chars.size() && classify(chars[j].code) == cls) ++j;
    if (cls == CharClass::kHangul) {
      for (std::size_t k = i; k < j; ++k) {
        const bool lone = j - i == 1;
        if (lone || grams == HangulGrams::kUnigramsAndBigrams) {
          token.clear();
          text::append_utf8(token, chars[k].code);
          if (!emit(token, k, k)) return false;
        }
        if (k + 1 < j) {
          token.clear();
          text::append_utf8(token, chars[k].code);
          text::append_utf8(token, chars[k + 1].code);
          if (!emit(token, k, k + 1)) return false;
        }
      }
    } else if (cls == CharClass::kWord) {
      token.clear();
      for (std::size_t k = i; k < j; ++k) {
        text::append_utf8(token, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(chars[k].code))));
      }
      if (!emit(token, i, j - 1)) return false;
    }
    i = j;
  }
  return true;
}

std::vector<std::string> tokens_of(std::string_view text, HangulGrams grams) {
  std::vector<std::string> out;
  tokenize(text, grams, [&](std::string_view token, std::size_t, std::size_t) {
    out.emplace_back(token);
    return true;
  });
  return out;
}

// --- FTS5 registration: C callbacks over tokenize(); no exception may cross into SQLite. ---

namespace {

struct Fts5Instance {
  HangulGrams grams;
};

int create_instance(void*, const char** args, int arg_count, Fts5Tokenizer** out) {
  try {
    auto grams = HangulGrams::kBigrams;
    if (arg_count > 1) return SQLITE_ERROR;
    if (arg_count == 1) grams = parse_hangul_grams(args[0]);
    *out = reinterpret_cast<Fts5Tokenizer*>(new Fts5Instance{grams});
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    return SQLITE_ERROR;
  }
}

void delete_instance(Fts5Tokenizer* instance) { delete reinterpret_cast<Fts5Instance*>(instance); }

int tokenize_for_fts5(Fts5Tokenizer* instance, void* context, int /*flags*/, const char* text, int size,
                      int (*on_token)(void*, int, const char*, int, int, int)) {
  try {
    int rc = SQLITE_OK;
    tokenize(std::string_view(text, static_cast<std::size_t>(size)), reinterpret_cast<Fts5Instance*>(instance)->grams,
             [&](std::string_view token, std::size_t begin, std::size_t end) {
               rc = on_token(context, 0, token.data(), static_cast<int>(token.size()), static_cast<int>(begin),
                             static_cast<int>(end));
               return rc == SQLITE_OK;
             });
    return rc;
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    return SQLITE_ERROR;
  }
}

fts5_api* fts5_api_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, reinterpret_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

}  // namespace

void register_search_tokenizer(sqlite3* db) {
  fts5_api* api = fts5_api_of(db);
  if (!api) throw FormatError("this SQLite library has no FTS5: the retrieval index needs it");
  fts5_tokenizer callbacks{create_instance, delete_instance, tokenize_for_fts5};
  if (api->xCreateTokenizer(api, kTokenizerName, nullptr, &callbacks, nullptr) != SQLITE_OK) {
    throw FormatError(std::string("cannot register the FTS5 tokenizer: ") + sqlite3_errmsg(db));
  }
}

}  // namespace guardian::retrieve

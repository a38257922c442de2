#include "text/hf/normalizers.h"

#include <utf8proc.h>

#include <cstdlib>
#include <functional>

#include "text/hf/regex.h"

namespace guardian::text::hf {
namespace {

// Rewrites piece character by character: f(code, out) appends the replacement of one character.
void map_chars(Piece& piece, const std::function<void(char32_t, std::string&)>& f) {
  Piece out;
  out.text.reserve(piece.text.size());
  out.align.reserve(piece.text.size());
  std::string buf;
  for (std::size_t i = 0; i < piece.text.size();) {
    std::size_t n = utf8_len(static_cast<unsigned char>(piece.text[i]));
    buf.clear();
    f(utf8_at(piece.text, i), buf);
    append_aligned(out, buf, piece.align[i]);
    i += n;
  }
  piece = std::move(out);
}

bool all_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(int options) : options_(options) {}
  void normalize(Piece& piece) const override {
    if (all_ascii(piece.text)) return;
    std::string whole = map(piece.text);
    if (whole == piece.text) return;  // fast path: already in normal form (most chat)
    // Normalise group by group so each output maps to its group's input: first by grapheme
    // cluster, then (when clusters compose across their borders, e.g. compatibility jamo under
    // NFKC) by runs between ASCII characters, else the whole text as one group.
    for (int level = 0; level < 2; ++level) {
      Piece out = by_groups(piece, level);
      if (out.text == whole) {
        piece = std::move(out);
        return;
      }
    }
    Piece out;
    append_aligned(out, whole, Span{piece.align.front().first, piece.align.back().second});
    piece = std::move(out);
  }

 private:
  std::string map(std::string_view s) const {
    utf8proc_uint8_t* mapped = nullptr;
    utf8proc_ssize_t len = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                        static_cast<utf8proc_ssize_t>(s.size()), &mapped,
                                        static_cast<utf8proc_option_t>(options_));
    std::string out = len >= 0 ? std::string(reinterpret_cast<char*>(mapped), static_cast<std::size_t>(len)) : std::string(s);
    std::free(mapped);
    return out;
  }

  // level 0: grapheme clusters; level 1: runs split before and after each ASCII character.
  Piece by_groups(const Piece& piece, int level) const {
    Piece out;
    const auto* s = reinterpret_cast<const utf8proc_uint8_t*>(piece.text.data());
    const std::size_t n = piece.text.size();
    std::size_t start = 0, i = 0;
    utf8proc_int32_t prev = -1, state = 0;
    auto flush = [&](std::size_t end) {
      if (end == start) return;
      std::string_view in = std::string_view(piece.text).substr(start, end - start);
      std::string m = map(in);
      if (m == in) {
        out.text.append(m);
        out.align.insert(out.align.end(), piece.align.begin() + static_cast<std::ptrdiff_t>(start),
                         piece.align.begin() + static_cast<std::ptrdiff_t>(end));
      } else {
        append_aligned(out, m, Span{piece.align[start].first, piece.align[end - 1].second});
      }
      start = end;
    };
    while (i < n) {
      utf8proc_int32_t c;
      utf8proc_ssize_t k = utf8proc_iterate(s + i, static_cast<utf8proc_ssize_t>(n - i), &c);
      if (k <= 0) { k = 1; c = 0xFFFD; }
      bool brk = level == 0 ? (prev >= 0 && utf8proc_grapheme_break_stateful(prev, c, &state))
                            : (prev >= 0 && (c < 0x80 || prev < 0x80));
      if (brk) flush(i);
      prev = c;
      i += static_cast<std::size_t>(k);
    }
    flush(n);
    return out;
  }

  int options_;
};

class Lowercase : public Normalizer {
 public:
  void normalize(Piece& piece) const override {
    map_chars(piece, [](char32_t c, std::string& out) {
      if (c == 0x130) {  // full lowercase mapping of U+0130 is "i" + U+0307
        out += "i\xCC\x87";
        return;
      }
      append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    });
  }
};

// Removes combining marks (Mn), as Hugging Face's StripAccents (which runs after NFD/NFKD).
class StripAccents : public Normalizer {
 public:
  void normalize(Piece& piece) const override {
    map_chars(piece, [](char32_t c, std::string& out) {
      if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) != UTF8PROC_CATEGORY_MN) append_utf8(out, c);
    });
  }
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(Piece& piece) const override {
    std::size_t b = 0, e = piece.text.size();
    if (left_)
      while (b < e && is_unicode_space(utf8_at(piece.text, b))) b += utf8_len(static_cast<unsigned char>(piece.text[b]));
    if (right_)
      while (e > b) {
        std::size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(piece.text[k]) & 0xC0) == 0x80) --k;
        if (!is_unicode_space(utf8_at(piece.text, k))) break;
        e = k;
      }
    if (b != 0 || e != piece.text.size()) piece = slice(piece, b, e);
  }

 private:
  bool left_, right_;
};

class Replace : public Normalizer {
 public:
  Replace(Regex re, std::string content) : re_(std::move(re)), content_(std::move(content)) {}
  void normalize(Piece& piece) const override {
    auto matches = re_.find_all(piece.text);
    if (matches.empty()) return;
    Piece out;
    out.text.reserve(piece.text.size());
    out.align.reserve(piece.text.size());
    std::size_t prev = 0;
    for (auto [b, e] : matches) {
      out.text.append(piece.text, prev, b - prev);
      out.align.insert(out.align.end(), piece.align.begin() + static_cast<std::ptrdiff_t>(prev),
                       piece.align.begin() + static_cast<std::ptrdiff_t>(b));
      append_aligned(out, content_, Span{piece.align[b].first, piece.align[e - 1].second});
      prev = e;
    }
    out.text.append(piece.text, prev, std::string::npos);
    out.align.insert(out.align.end(), piece.align.begin() + static_cast<std::ptrdiff_t>(prev), piece.align.end());
    piece = std::move(out);
  }

 private:
  Regex re_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(Piece& piece) const override {
    if (piece.text.empty()) return;
    Span first = piece.align.front();
    piece.text.insert(0, prefix_);
    piece.align.insert(piece.align.begin(), prefix_.size(), first);
  }

 private:
  std::string prefix_;
};

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean, bool chinese, bool strip, bool lower)
      : clean_(clean), chinese_(chinese), strip_(strip), lower_(lower) {}
  void normalize(Piece& piece) const override {
    if (clean_ || chinese_) {
      map_chars(piece, [this](char32_t c, std::string& out) {
        if (clean_) {
          if (c == 0 || c == 0xFFFD) return;
          auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
          bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || cat == UTF8PROC_CATEGORY_ZS;
          if (ws) { out.push_back(' '); return; }
          bool control = c != '\t' && c != '\n' && c != '\r' &&
                         (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
                          cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_CO);
          if (control) return;
        }
        if (chinese_ && is_chinese_char(c)) {
          out.push_back(' ');
          append_utf8(out, c);
          out.push_back(' ');
          return;
        }
        append_utf8(out, c);
      });
    }
    if (strip_) {
      UnicodeNormalizer(UTF8PROC_DECOMPOSE | UTF8PROC_STABLE).normalize(piece);
      StripAccents().normalize(piece);
    }
    if (lower_) Lowercase().normalize(piece);
  }

 private:
  bool clean_, chinese_, strip_, lower_;
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(Piece& piece) const override {
    for (const auto& s : steps_) s->normalize(piece);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

Regex make_pattern(const JsonAt& pattern) {
  if (pattern.has("String")) return Regex::literal(pattern.str("String"), pattern.path() + ".String");
  if (pattern.has("Regex")) return Regex(pattern.str("Regex"), pattern.path() + ".Regex");
  pattern.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

std::unique_ptr<Normalizer> make_normalizer(const JsonAt& j) {
  if (j.json().is_null()) return nullptr;
  const std::string type = j.type();
  constexpr int kStable = UTF8PROC_STABLE;
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(kStable | UTF8PROC_COMPOSE);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(kStable | UTF8PROC_DECOMPOSE);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(kStable | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(kStable | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "Strip") return std::make_unique<Strip>(j.boolean_or("strip_left", true), j.boolean_or("strip_right", true));
  if (type == "Replace") return std::make_unique<Replace>(make_pattern(j.at("pattern")), j.str("content"));
  if (type == "Prepend") return std::make_unique<Prepend>(j.str("prepend"));
  if (type == "BertNormalizer") {
    bool lower = j.boolean_or("lowercase", true);
    bool strip = j.has("strip_accents") ? j.boolean_or("strip_accents", lower) : lower;
    return std::make_unique<BertNormalizer>(j.boolean_or("clean_text", true),
                                            j.boolean_or("handle_chinese_chars", true), strip, lower);
  }
  if (type == "Sequence") {
    JsonAt list = j.at("normalizers");
    if (!list.json().is_array()) list.fail("expected an array");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (std::size_t i = 0; i < list.json().size(); ++i) {
      auto s = make_normalizer(list.at(i));
      if (s) steps.push_back(std::move(s));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  j.unsupported(type);
}

}  // namespace guardian::text::hf

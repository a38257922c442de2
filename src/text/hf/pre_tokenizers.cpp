#include "text/hf/pre_tokenizers.h"

#include <utf8proc.h>

#include <functional>

#include "text/hf/normalizers.h"
#include "text/hf/regex.h"

namespace guardian::text::hf {
namespace {

enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

Behavior parse_behavior(const JsonAt& j, const char* key, Behavior fallback) {
  if (!j.has(key)) return fallback;
  std::string b = j.str(key);
  if (b == "Removed") return Behavior::kRemoved;
  if (b == "Isolated") return Behavior::kIsolated;
  if (b == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::kMergedWithNext;
  if (b == "Contiguous") return Behavior::kContiguous;
  j.at(key).fail("unknown split behavior \"" + b + "\"");
}

using Range = std::pair<std::size_t, std::size_t>;
struct Match {
  Range r;
  bool is_match;
};

// Turns match ranges into a full cover of [0, n) flagged by is_match (Hugging Face's Pattern).
std::vector<Match> cover(const std::vector<Range>& matches, std::size_t n) {
  std::vector<Match> out;
  std::size_t prev = 0;
  for (auto [b, e] : matches) {
    if (prev != b) out.push_back({{prev, b}, false});
    out.push_back({{b, e}, true});
    prev = e;
  }
  if (prev != n) out.push_back({{prev, n}, false});
  return out;
}

// Applies a split behaviour (Hugging Face's NormalizedString::split) and appends the pieces.
void split_piece(const Piece& p, std::vector<Match> m, Behavior behavior, bool invert, std::vector<Piece>& out) {
  if (invert)
    for (auto& x : m) x.is_match = !x.is_match;
  std::vector<Range> keep;
  bool prev_match = false;
  switch (behavior) {
    case Behavior::kRemoved:
      for (auto& x : m)
        if (!x.is_match) keep.push_back(x.r);
      break;
    case Behavior::kIsolated:
      for (auto& x : m) keep.push_back(x.r);
      break;
    case Behavior::kMergedWithPrevious:
      for (auto& x : m) {
        if (x.is_match && !prev_match && !keep.empty()) keep.back().second = x.r.second;
        else keep.push_back(x.r);
        prev_match = x.is_match;
      }
      break;
    case Behavior::kMergedWithNext:
      for (std::size_t i = m.size(); i-- > 0;) {
        auto& x = m[i];
        if (x.is_match && !prev_match && !keep.empty()) keep.back().first = x.r.first;
        else keep.push_back(x.r);
        prev_match = x.is_match;
      }
      std::reverse(keep.begin(), keep.end());
      break;
    case Behavior::kContiguous:
      for (auto& x : m) {
        if (x.is_match == prev_match && !keep.empty()) keep.back().second = x.r.second;
        else keep.push_back(x.r);
        prev_match = x.is_match;
      }
      break;
  }
  for (auto [b, e] : keep)
    if (e > b) out.push_back(b == 0 && e == p.text.size() ? p : slice(p, b, e));
}

// Splits every piece with a per-character predicate; each matching character is its own match.
void split_chars(std::vector<Piece>& pieces, const std::function<bool(char32_t)>& pred, Behavior behavior) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (const auto& p : pieces) {
    std::vector<Range> matches;
    for (std::size_t i = 0; i < p.text.size();) {
      std::size_t n = utf8_len(static_cast<unsigned char>(p.text[i]));
      if (pred(utf8_at(p.text, i))) matches.emplace_back(i, i + n);
      i += n;
    }
    split_piece(p, cover(matches, p.text.size()), behavior, false, out);
  }
  pieces = std::move(out);
}

void split_regex(std::vector<Piece>& pieces, const Regex& re, Behavior behavior, bool invert) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 4);
  for (const auto& p : pieces) {
    if (p.text.empty()) continue;
    split_piece(p, cover(re.find_all(p.text), p.text.size()), behavior, invert, out);
  }
  pieces = std::move(out);
}

bool is_punctuation(char32_t c) {
  if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool is_numeric(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
}

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        re_(use_regex ? std::make_unique<Regex>(
                            R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
                            "ByteLevel")
                      : nullptr) {}
  void pre_tokenize(std::vector<Piece>& pieces, bool) const override {
    if (add_prefix_space_)
      for (auto& p : pieces)
        if (!p.text.empty() && p.text[0] != ' ') {
          Span s = p.align.front();
          p.text.insert(0, 1, ' ');
          p.align.insert(p.align.begin(), Span{s.first, s.first});
        }
    if (re_) split_regex(pieces, *re_, Behavior::kIsolated, false);
    const auto& table = byte_to_unicode();
    for (auto& p : pieces) {
      Piece out;
      out.text.reserve(p.text.size() * 2);
      out.align.reserve(p.text.size() * 2);
      for (std::size_t i = 0; i < p.text.size(); ++i)
        append_aligned(out, table[static_cast<unsigned char>(p.text[i])], p.align[i]);
      p = std::move(out);
    }
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> re_;
};

class Split : public PreTokenizer {
 public:
  Split(Regex re, Behavior behavior, bool invert) : re_(std::move(re)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces, bool) const override { split_regex(pieces, re_, behavior_, invert_); }

 private:
  Regex re_;
  Behavior behavior_;
  bool invert_;
};

class CharSplit : public PreTokenizer {
 public:
  CharSplit(std::function<bool(char32_t)> pred, Behavior behavior) : pred_(std::move(pred)), behavior_(behavior) {}
  void pre_tokenize(std::vector<Piece>& pieces, bool) const override { split_chars(pieces, pred_, behavior_); }

 private:
  std::function<bool(char32_t)> pred_;
  Behavior behavior_;
};

class Metaspace : public PreTokenizer {
 public:
  enum class Prepend { kAlways, kFirst, kNever };
  Metaspace(std::string replacement, Prepend prepend, bool split)
      : rep_(std::move(replacement)), prepend_(prepend), split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces, bool) const override {
    std::vector<Piece> out;
    for (auto& p : pieces) {
      Piece q;
      for (std::size_t i = 0; i < p.text.size(); ++i) {
        if (p.text[i] == ' ') append_aligned(q, rep_, p.align[i]);
        else append_aligned(q, std::string_view(&p.text[i], 1), p.align[i]);
      }
      bool starts = q.text.compare(0, rep_.size(), rep_) == 0;
      bool add = !starts && !q.text.empty() &&
                 (prepend_ == Prepend::kAlways || (prepend_ == Prepend::kFirst && q.align.front().first == 0));
      if (add) {
        Span s = q.align.front();
        q.text.insert(0, rep_);
        q.align.insert(q.align.begin(), rep_.size(), Span{s.first, s.first});
      }
      if (!split_) {
        if (!q.text.empty()) out.push_back(std::move(q));
        continue;
      }
      std::vector<Range> matches;
      for (std::size_t i = q.text.find(rep_); i != std::string::npos; i = q.text.find(rep_, i + rep_.size()))
        matches.emplace_back(i, i + rep_.size());
      split_piece(q, cover(matches, q.text.size()), Behavior::kMergedWithNext, false, out);
    }
    pieces = std::move(out);
  }

 private:
  std::string rep_;
  Prepend prepend_;
  bool split_;
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Piece>& pieces, bool first) const override {
    for (const auto& s : steps_) s->pre_tokenize(pieces, first);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

class Bert : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<Piece>& pieces, bool) const override {
    split_chars(pieces, is_unicode_space, Behavior::kRemoved);
    split_chars(pieces, is_punctuation, Behavior::kIsolated);
  }
};

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char32_t c = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      append_utf8(t[static_cast<std::size_t>(b)], c);
    }
    return t;
  }();
  return table;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonAt& j) {
  if (j.json().is_null()) return nullptr;
  const std::string type = j.type();
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(j.boolean_or("add_prefix_space", true), j.boolean_or("use_regex", true));
  if (type == "Split")
    return std::make_unique<Split>(make_pattern(j.at("pattern")), parse_behavior(j, "behavior", Behavior::kRemoved),
                                   j.boolean_or("invert", false));
  if (type == "Whitespace") return std::make_unique<Split>(Regex(R"(\w+|[^\w\s]+)", j.path()), Behavior::kRemoved, true);
  if (type == "WhitespaceSplit") return std::make_unique<CharSplit>(is_unicode_space, Behavior::kRemoved);
  if (type == "Punctuation")
    return std::make_unique<CharSplit>(is_punctuation, parse_behavior(j, "behavior", Behavior::kIsolated));
  if (type == "Digits")
    return std::make_unique<CharSplit>(is_numeric, j.boolean_or("individual_digits", false) ? Behavior::kIsolated
                                                                                             : Behavior::kContiguous);
  if (type == "BertPreTokenizer") return std::make_unique<Bert>();
  if (type == "Metaspace") {
    Metaspace::Prepend prepend = j.boolean_or("add_prefix_space", true) ? Metaspace::Prepend::kAlways : Metaspace::Prepend::kNever;
    if (j.has("prepend_scheme")) {
      std::string s = j.str("prepend_scheme");
      if (s == "always") prepend = Metaspace::Prepend::kAlways;
      else if (s == "first") prepend = Metaspace::Prepend::kFirst;
      else if (s == "never") prepend = Metaspace::Prepend::kNever;
      else j.at("prepend_scheme").fail("expected \"always\", \"first\" or \"never\"");
    }
    std::string rep = j.str_or("replacement", "\xE2\x96\x81");
    if (rep.empty()) j.at("replacement").fail("must not be empty");
    return std::make_unique<Metaspace>(rep, prepend, j.boolean_or("split", true));
  }
  if (type == "Sequence") {
    JsonAt list = j.at("pretokenizers");
    if (!list.json().is_array()) list.fail("expected an array");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (std::size_t i = 0; i < list.json().size(); ++i)
      if (auto s = make_pre_tokenizer(list.at(i))) steps.push_back(std::move(s));
    return std::make_unique<Sequence>(std::move(steps));
  }
  j.unsupported(type);
}

}  // namespace guardian::text::hf

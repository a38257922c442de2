#include "models/ngram_features.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "text/hangul.h"
#include "text/look_alike.h"
#include "text/utf8.h"

namespace guardian::models {

namespace {

// FNV-1a over a feature kind tag and the code points of the n-gram, kept open so that the n-grams
// starting at one position are hashed in one pass (each longer one extends the shorter).
class NgramHash {
 public:
  explicit NgramHash(char kind) : h_((1469598103934665603ULL ^ static_cast<uint8_t>(kind)) * 1099511628211ULL) {}
  void push(char32_t c) {
    const uint32_t code = c;
    for (int i = 0; i < 4; ++i) {
      h_ ^= (code >> (8 * i)) & 0xFF;
      h_ *= 1099511628211ULL;
    }
  }
  uint64_t value() const { return h_ ^ (h_ >> 29); }

 private:
  uint64_t h_;
};

uint64_t hash_codepoints(char kind, const char32_t* begin, const char32_t* end) {
  NgramHash h(kind);
  for (const char32_t* p = begin; p != end; ++p) h.push(*p);
  return h.value();
}

using text::is_compat_consonant;
using text::is_hangul_syllable;

// The letter n-grams of a Hangul word: 3 to 5 jamo, about one to two syllables, so that they reach
// across the syllables a character n-gram holds whole.
constexpr int kJamoMin = 3;
constexpr int kJamoMax = 5;

char32_t fold_case(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  return c;
}

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// What squeeze takes out of a word: ASCII other than letters (punctuation, symbols, digits).
bool is_ascii_symbol_or_digit(char32_t c) { return c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')); }

// The word with its look-alikes read as letters, into out; false when that changes nothing worth
// adding: no look-alike, no ASCII letter beside them, or a mention, hashtag or link ("@user1" is a name).
bool read_leet(const char32_t* w, size_t length, std::u32string& out) {
  if (length < 2 || text::is_mention_tag_or_link(std::u32string_view(w, length))) return false;
  bool letter = false, changed = false;
  out.assign(w, length);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') letter = true;
    if (const char32_t l = text::letter_of_look_alike(c)) c = l, changed = true;
  }
  return letter && changed;
}

std::u32string decode(std::string_view text) {
  std::u32string out = text::decode_utf8(text);
  for (auto& c : out) c = fold_case(c);
  return out;
}

// Sorted buckets, each with its sublinear term frequency.
Features counted(std::vector<uint32_t>& hits) {
  std::sort(hits.begin(), hits.end());
  Features out;
  for (size_t i = 0; i < hits.size();) {
    size_t j = i;
    while (j < hits.size() && hits[j] == hits[i]) ++j;
    out.emplace_back(hits[i], 1.0f + std::log(static_cast<float>(j - i)));
    i = j;
  }
  return out;
}

// Times idf (when fitted), then scaled to L2 length `length`.
void weigh(Features& features, const std::vector<float>& idf, double length) {
  double norm = 0.0;
  for (auto& [bucket, value] : features) {
    if (!idf.empty()) value *= idf[bucket];
    norm += static_cast<double>(value) * value;
  }
  if (norm > 0.0) {
    const float scale = static_cast<float>(length / std::sqrt(norm));
    for (auto& f : features) f.second *= scale;
  }
}

}  // namespace

NgramFeaturizer::NgramFeaturizer(NgramFeatureOptions options)
    : options_(options), mask_((1u << std::clamp(options.buckets_log2, 10, 26)) - 1) {}

Features NgramFeaturizer::extract(std::string_view text) const {
  // The hot path of every n-gram model: the buckets hit are collected in one vector, then sorted
  // and counted (no hash map).
  const std::u32string chars = decode(text);
  std::vector<uint32_t> hits;
  hits.reserve(chars.size() * 8 + 16);
  std::vector<uint32_t>* all[kFamilies] = {&hits, &hits, &hits};
  collect(chars, all);
  return counted(hits);
}

void NgramFeaturizer::collect(const std::u32string& chars, std::vector<uint32_t>* family[kFamilies]) const {
  // Words are spans of the decoded text (no string per word).
  std::vector<uint32_t>* hits = family[kInWord];
  auto add = [&](char kind, const char32_t* begin, const char32_t* end) {
    hits->push_back(static_cast<uint32_t>(hash_codepoints(kind, begin, end)) & mask_);
  };
  // Every n-gram of lengths shortest..longest of s; a lone boundary mark is not a feature.
  auto add_spans = [&](char kind, const std::u32string& s, int shortest, int longest, bool marks) {
    for (size_t i = 0; i < s.size(); ++i) {
      NgramHash h(kind);
      for (int n = 1; n <= longest && i + n <= s.size(); ++n) {
        h.push(s[i + n - 1]);
        if (n < shortest || (n == 1 && marks && (s[i] == '<' || s[i] == '>'))) continue;
        hits->push_back(static_cast<uint32_t>(h.value()) & mask_);
      }
    }
  };

  // Words: maximal runs of non-space.
  std::vector<std::pair<size_t, size_t>> words;  // [begin, end) in chars
  for (size_t i = 0; i < chars.size();) {
    while (i < chars.size() && is_space(chars[i])) ++i;
    const size_t begin = i;
    while (i < chars.size() && !is_space(chars[i])) ++i;
    if (i > begin) words.emplace_back(begin, i);
  }

  // Word n-grams: the words joined by a separator no text contains.
  std::vector<uint64_t> word_hashes;
  word_hashes.reserve(words.size());
  for (const auto& [b, e] : words) word_hashes.push_back(hash_codepoints('w', chars.data() + b, chars.data() + e));
  for (size_t i = 0; i < word_hashes.size(); ++i) {
    uint64_t h = word_hashes[i];
    family[kWords]->push_back(static_cast<uint32_t>(h) & mask_);
    for (int n = 2; n <= options_.word_ngrams && i + n <= word_hashes.size(); ++n) {
      h = (h * 1000003ULL) ^ word_hashes[i + n - 1];
      family[kWords]->push_back(static_cast<uint32_t>(h ^ (h >> 31)) & mask_);
    }
  }

  // Character n-grams inside "<word>", a Hangul word's letter n-grams, and its initial consonants.
  std::u32string marked, letters, initials, squeezed, unleet;
  auto in_word = [&](const char32_t* w, size_t length) {
    marked.assign(1, U'<');
    marked.append(w, length);
    marked.push_back(U'>');
    add_spans('c', marked, options_.char_min, options_.char_max, true);
    if (options_.jamo && std::any_of(w, w + length, is_hangul_syllable)) {
      letters.clear();
      for (const char32_t c : marked) {
        if (is_hangul_syllable(c)) text::append_jamo(c, letters);
        else letters.push_back(c);
      }
      add_spans('m', letters, kJamoMin, kJamoMax, true);
    }
    if (!options_.choseong || length < 2) return;
    const bool syllables = std::all_of(w, w + length, is_hangul_syllable);
    const bool abbreviation = !syllables && std::all_of(w, w + length, is_compat_consonant);  // "ㅂㅅ" typed as is
    if (syllables || abbreviation) {
      initials.clear();
      for (size_t i = 0; i < length; ++i) initials.push_back(syllables ? text::initial_consonant(w[i]) : w[i]);
      add('j', initials.data(), initials.data() + initials.size());
      for (size_t i = 0; i + 2 <= initials.size(); ++i) add('k', initials.data() + i, initials.data() + i + 2);
    }
  };
  // The text without spaces for the de-spaced n-grams, built word by word below.
  std::u32string joined;
  if (options_.despaced_max >= 2) joined.reserve(chars.size());
  for (const auto& [b, e] : words) {
    in_word(chars.data() + b, e - b);
    const bool read = options_.leet && read_leet(chars.data() + b, e - b, unleet);
    if (read) {
      family[kWords]->push_back(static_cast<uint32_t>(hash_codepoints('w', unleet.data(), unleet.data() + unleet.size())) & mask_);
      in_word(unleet.data(), unleet.size());
    }
    // The word as read, without its ASCII symbols and digits when squeezing ("sh1t!" -> "shit!" ->
    // "shit"): the de-spaced text's piece, and with squeeze, when that leaves something else, its
    // own unigram and in-word features.
    const char32_t* w = read ? unleet.data() : chars.data() + b;
    squeezed.clear();
    for (size_t i = 0; i < e - b; ++i) {
      if (!options_.squeeze || !is_ascii_symbol_or_digit(w[i])) squeezed.push_back(w[i]);
    }
    if (options_.despaced_max >= 2) joined += squeezed;
    if (!options_.squeeze || squeezed.empty() || squeezed.size() == e - b) continue;
    family[kWords]->push_back(static_cast<uint32_t>(hash_codepoints('w', squeezed.data(), squeezed.data() + squeezed.size())) & mask_);
    in_word(squeezed.data(), squeezed.size());
  }

  // Character n-grams across word boundaries with the spaces removed.
  if (options_.despaced_max >= 2) {
    hits = family[kDespaced];
    add_spans('d', joined, 2, options_.despaced_max, false);
  }
}

Features NgramFeaturizer::weighted(std::string_view text, const std::vector<float>& idf) const {
  if (!options_.norm_per_family) {
    Features features = extract(text);
    weigh(features, idf, 1.0);
    return features;
  }
  std::vector<uint32_t> hits[kFamilies];
  std::vector<uint32_t>* family[kFamilies] = {&hits[kWords], &hits[kInWord], &hits[kDespaced]};
  collect(decode(text), family);
  int present = 0;
  for (const auto& h : hits) present += h.empty() ? 0 : 1;
  // Each family to length 1/sqrt(present), so the whole vector has length 1 as without families;
  // a bucket two families share sums their weights.
  Features merged;
  for (auto& h : hits) {
    Features features = counted(h);
    weigh(features, idf, 1.0 / std::sqrt(static_cast<double>(std::max(present, 1))));
    merged.insert(merged.end(), features.begin(), features.end());
  }
  std::sort(merged.begin(), merged.end());
  Features out;
  for (const auto& [bucket, value] : merged) {
    if (!out.empty() && out.back().first == bucket) {
      out.back().second += value;
    } else {
      out.emplace_back(bucket, value);
    }
  }
  return out;
}

std::vector<float> fit_idf(const std::vector<Features>& documents, uint32_t buckets) {
  std::vector<uint32_t> df(buckets, 0);
  for (const auto& doc : documents) {
    for (const auto& f : doc) ++df[f.first];
  }
  std::vector<float> idf(buckets);
  const double n = static_cast<double>(documents.size());
  for (uint32_t b = 0; b < buckets; ++b) idf[b] = static_cast<float>(std::log((1.0 + n) / (1.0 + df[b])) + 1.0);
  return idf;
}

}  // namespace guardian::models

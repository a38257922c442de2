#include "models/ngram_features.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "text/utf8.h"

namespace guardian::models {

namespace {

// FNV-1a over a feature kind tag and the code points of the n-gram.
uint64_t hash_codepoints(char kind, const char32_t* begin, const char32_t* end) {
  uint64_t h = 1469598103934665603ULL ^ static_cast<uint8_t>(kind);
  h *= 1099511628211ULL;
  for (const char32_t* p = begin; p != end; ++p) {
    uint32_t c = *p;
    for (int i = 0; i < 4; ++i) {
      h ^= (c >> (8 * i)) & 0xFF;
      h *= 1099511628211ULL;
    }
  }
  return h ^ (h >> 29);
}

bool is_hangul_syllable(char32_t c) { return c >= 0xAC00 && c <= 0xD7A3; }
bool is_compat_consonant(char32_t c) { return c >= 0x3131 && c <= 0x314E; }

// The initial consonant of a syllable as a compatibility jamo (ㄱ..ㅎ), the form users type.
char32_t choseong_of(char32_t syllable) {
  static const char32_t kCompat[19] = {0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141,
                                       0x3142, 0x3143, 0x3145, 0x3146, 0x3147, 0x3148, 0x3149,
                                       0x314A, 0x314B, 0x314C, 0x314D, 0x314E};
  return kCompat[(syllable - 0xAC00) / (21 * 28)];
}

char32_t fold_case(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  return c;
}

bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    auto ch = text::decode_utf8(text, pos);
    if (ch.length == 0) break;
    out.push_back(fold_case(ch.code));
    pos += ch.length;
  }
  return out;
}

}  // namespace

NgramFeaturizer::NgramFeaturizer(NgramFeatureOptions options)
    : options_(options), mask_((1u << std::clamp(options.buckets_log2, 10, 26)) - 1) {}

Features NgramFeaturizer::extract(std::string_view text) const {
  const std::u32string chars = decode(text);
  std::unordered_map<uint32_t, float> counts;
  auto add = [&](char kind, const char32_t* begin, const char32_t* end) {
    counts[static_cast<uint32_t>(hash_codepoints(kind, begin, end)) & mask_] += 1.0f;
  };

  // Words: maximal runs of non-space.
  std::vector<std::u32string> words;
  std::u32string current;
  for (char32_t c : chars) {
    if (is_space(c)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));

  // Word n-grams: the words joined by a separator no text contains.
  std::vector<uint64_t> word_hashes;
  for (const auto& w : words) word_hashes.push_back(hash_codepoints('w', w.data(), w.data() + w.size()));
  for (size_t i = 0; i < word_hashes.size(); ++i) {
    uint64_t h = word_hashes[i];
    counts[static_cast<uint32_t>(h) & mask_] += 1.0f;
    for (int n = 2; n <= options_.word_ngrams && i + n <= word_hashes.size(); ++n) {
      h = (h * 1000003ULL) ^ word_hashes[i + n - 1];
      counts[static_cast<uint32_t>(h ^ (h >> 31)) & mask_] += 1.0f;
    }
  }

  // Character n-grams inside "<word>".
  for (const auto& w : words) {
    std::u32string marked = U"<" + w + U">";
    for (int n = options_.char_min; n <= options_.char_max; ++n) {
      for (size_t i = 0; i + n <= marked.size(); ++i) {
        if (n == 1 && (marked[i] == '<' || marked[i] == '>')) continue;
        add('c', marked.data() + i, marked.data() + i + n);
      }
    }
    const bool syllables = std::all_of(w.begin(), w.end(), is_hangul_syllable);
    const bool abbreviation = std::all_of(w.begin(), w.end(), is_compat_consonant);  // "ㅂㅅ" typed as is
    if (options_.choseong && (syllables || abbreviation) && w.size() >= 2) {
      std::u32string initials;
      for (char32_t c : w) initials.push_back(syllables ? choseong_of(c) : c);
      add('j', initials.data(), initials.data() + initials.size());
      for (size_t i = 0; i + 2 <= initials.size(); ++i) add('k', initials.data() + i, initials.data() + i + 2);
    }
  }

  // Character n-grams across word boundaries with the spaces removed.
  if (options_.despaced_max >= 2) {
    std::u32string joined;
    for (const auto& w : words) joined += w;
    for (int n = 2; n <= options_.despaced_max; ++n) {
      for (size_t i = 0; i + n <= joined.size(); ++i) add('d', joined.data() + i, joined.data() + i + n);
    }
  }

  Features out(counts.begin(), counts.end());
  for (auto& [bucket, value] : out) value = 1.0f + std::log(value);
  std::sort(out.begin(), out.end());
  return out;
}

Features NgramFeaturizer::weighted(std::string_view text, const std::vector<float>& idf) const {
  Features features = extract(text);
  double norm = 0.0;
  for (auto& [bucket, value] : features) {
    if (!idf.empty()) value *= idf[bucket];
    norm += static_cast<double>(value) * value;
  }
  if (norm > 0.0) {
    const float scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& f : features) f.second *= scale;
  }
  return features;
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

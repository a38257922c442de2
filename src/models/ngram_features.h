// Hashed n-gram features for the n-gram model kind (the fastText design): word uni- and bigrams,
// character n-grams inside each word, character n-grams of the text with the spaces taken out
// (robust to the spacing games of "병 신" vs "병신"), and the initial consonants of Hangul words
// ("ㅂㅅ" for "병신", the way users abbreviate and dodge filters), and optionally each word with its
// inserted symbols taken out ("시.발" -> "시발"), with look-alike characters read as letters
// ("1d10t" -> "idiot"), and a Hangul word's letter (jamo) n-grams ("ㅅ발" shares "ㅂㅏㄹ" with "시발").
// Weighted by sublinear term frequency and, once fitted, inverse document frequency; L2-normalised, as one vector or per
// feature family.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guardian::models {

struct NgramFeatureOptions {
  int buckets_log2 = 20;      // 2^buckets_log2 hashed feature slots
  int word_ngrams = 2;        // word n-grams of length 1..word_ngrams
  int char_min = 2;           // shortest character n-gram inside a word (with < > boundary marks)
  int char_max = 5;           // longest character n-gram inside a word (0: no character n-grams)
  int despaced_max = 4;       // character n-grams (2..this) over the text without spaces; 0 = off
  bool choseong = true;       // initial-consonant features of Hangul words
  // weighted() normalises each family (word n-grams; character n-grams and initials inside words;
  // de-spaced n-grams) to length 1/sqrt(families present) instead of the whole vector to 1, as
  // scikit-learn's union of one TfidfVectorizer per family: a short tweet emits ~40 word n-grams
  // against ~600 character ones, so under one norm the characters drown the words.
  bool norm_per_family = false;
  // Each word with a symbol or digit inside ("id.iot", "시1발", "f*ck", "idiot,") also counts as its
  // ASCII letters and other characters alone ("idiot", "시발", "fck", "idiot"): a word unigram and
  // its in-word character n-grams; and the de-spaced n-grams are taken over the text without those
  // symbols. The symbols users insert to break a filter's words then leave the word's features in
  // place; off in models saved before it.
  bool squeeze = false;
  // Each word with ASCII letters and look-alike characters ("1d10t", "sh1t", "a$$") also counts as
  // the word read with them as letters ("idiot", "shit", "a$$" as "ass"; 4 @ as a, 8 as b, 3 as e, 1 as i,
  // 0 as o, 5 $ as s, 7 as t; text/look_alike.h): a word unigram and its in-word features; the
  // de-spaced n-grams read it that way, and with squeeze the word as read is what is squeezed
  // ("sh1t!" -> "shit"). Mentions, hashtags and links ("@user1", "#tag", "http...") are left alone,
  // and so is "@ss". Off in models saved before it.
  bool leet = false;
  // Each word with a Hangul syllable also counts the n-grams, 3 to 5 long, of its letters (jamo,
  // as typed: "발" is ㅂ ㅏ ㄹ) between the word marks, so a word with some syllables typed as their
  // initials ("ㅅ발") or spelt another way ("씨발", "시바") shares features with the word, where its
  // character n-grams share few (Park et al. 2018, jamo-level fastText for Korean). Off in models
  // saved before it.
  bool jamo = false;
};

using Features = std::vector<std::pair<uint32_t, float>>;  // (bucket, weight), buckets unique

class NgramFeaturizer {
 public:
  explicit NgramFeaturizer(NgramFeatureOptions options);
  // Raw sublinear term frequencies (1 + log tf) of a normalised text, buckets sorted.
  Features extract(std::string_view text) const;
  // extract(), times idf when idf is not empty, then L2-normalised.
  Features weighted(std::string_view text, const std::vector<float>& idf) const;
  uint32_t buckets() const { return mask_ + 1; }
  const NgramFeatureOptions& options() const { return options_; }

 private:
  enum Family { kWords, kInWord, kDespaced, kFamilies };
  // The buckets every n-gram of the decoded, case-folded text hits, appended to family[its family]
  // (the pointers may alias: extract() collects them all in one vector).
  void collect(const std::u32string& chars, std::vector<uint32_t>* family[kFamilies]) const;

  NgramFeatureOptions options_;
  uint32_t mask_;
};

// idf[b] = log((1 + documents) / (1 + df[b])) + 1, as scikit-learn's smooth idf.
std::vector<float> fit_idf(const std::vector<Features>& documents, uint32_t buckets);

}  // namespace guardian::models

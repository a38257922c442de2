#include "data/perturb.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace guardian::data {
namespace {

// The words of text, split on single spaces.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == ' ') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// The text with every occurrence of c taken out.
std::string without(std::string text, const std::string& c) {
  for (size_t at; (at = text.find(c)) != std::string::npos;) text.erase(at, c.size());
  return text;
}

const std::string kEnglish = "you are such a stupid idiot and everyone knows it @someone #tag http://x.io";
const std::string kKorean = "이 새끼 진짜 머리에 뭐가 들었냐 시발 정말 답답하다";

TEST(PerturbTest, TheSameSeedGivesTheSameTextAndAnotherSeedAnother) {
  for (auto kind : {Perturbation::kSplit, Perturbation::kNoise, Perturbation::kLeet}) {
    EXPECT_EQ(perturb(kEnglish, kind, "id-1"), perturb(kEnglish, kind, "id-1"));
  }
  int differ = 0;
  for (int i = 0; i < 20; ++i) differ += perturb(kEnglish, Perturbation::kSplit, "a" + std::to_string(i)) !=
                                         perturb(kEnglish, Perturbation::kSplit, "b" + std::to_string(i));
  EXPECT_GT(differ, 10);
}

TEST(PerturbTest, SplitAndNoiseOnlyInsertInsideWords) {
  int changed = 0;
  for (int i = 0; i < 50; ++i) {
    const auto seed = std::to_string(i);
    const auto split = perturb(kEnglish, Perturbation::kSplit, seed);
    EXPECT_EQ(without(split, " "), without(kEnglish, " ")) << split;  // only spaces were added
    EXPECT_NE(split.find("@someone #tag http://x.io"), std::string::npos) << "mentions, tags, links untouched: " << split;
    // Inside a word: never a space at an end or beside another (the original has single spaces).
    EXPECT_EQ(split.find("  "), std::string::npos) << split;
    EXPECT_NE(split.front(), ' ');
    EXPECT_NE(split.back(), ' ');
    const auto noise = perturb(kKorean, Perturbation::kNoise, seed);
    std::string bare = noise;
    for (const char* s : {".", "*", "1", "_"}) bare = without(bare, s);
    EXPECT_EQ(bare, kKorean) << noise;  // only the symbols were added
    // The Korean text has no symbols: a word of the result neither starts nor ends with one.
    for (const auto& w : words(noise)) {
      EXPECT_EQ(std::string(".*1_").find(w.front()), std::string::npos) << noise;
      EXPECT_EQ(std::string(".*1_").find(w.back()), std::string::npos) << noise;
    }
    changed += split != kEnglish;
  }
  EXPECT_GT(changed, 40) << "most messages of 9 words get at least one space";
}

TEST(PerturbTest, ChoseongAbbreviatesSyllablesAndLeetSwapsLetters) {
  // Each syllable of "시발" stays or becomes its own initial consonant, and some do.
  int abbreviated = 0;
  for (int i = 0; i < 20; ++i) {
    for (const auto& w : words(perturb("시발 시발 시발 시발 시발 시발", Perturbation::kChoseong, std::to_string(i)))) {
      EXPECT_TRUE(w == "시발" || w == "ㅅ발" || w == "시ㅂ" || w == "ㅅㅂ") << w;
      abbreviated += w != "시발";
    }
  }
  EXPECT_GT(abbreviated, 10) << "of 240 syllables, each with p = 0.1";
  EXPECT_LT(abbreviated, 60);
  EXPECT_EQ(perturb(kEnglish, Perturbation::kChoseong, "7"), kEnglish) << "no Hangul, nothing to abbreviate";
  const auto leet = perturb("idiot loser", Perturbation::kLeet, "3");
  ASSERT_EQ(leet.size(), std::string("idiot loser").size());
  for (size_t i = 0; i < leet.size(); ++i) {
    const std::string was(1, "idiot loser"[i]), now(1, leet[i]);
    if (was != now) EXPECT_NE(std::string("a@e3i1o0s$").find(was + now), std::string::npos) << leet;
  }
  int swapped = 0;
  for (int i = 0; i < 20; ++i) swapped += perturb("idiot loser", Perturbation::kLeet, std::to_string(i)) != "idiot loser";
  EXPECT_GT(swapped, 15) << "six of its letters can be swapped, each with p = 0.3";
  EXPECT_EQ(perturb("", Perturbation::kNoise, "x"), "");
  EXPECT_EQ(perturb("a  b ", Perturbation::kSplit, "x"), "a  b ") << "spacing kept; one-letter words untouched";
}

TEST(PerturbTest, NamesRoundTripAndAnUnknownOneIsAnError) {
  for (auto kind : {Perturbation::kSplit, Perturbation::kNoise, Perturbation::kChoseong, Perturbation::kLeet}) {
    EXPECT_EQ(parse_perturbation(perturbation_name(kind)), kind);
  }
  try {
    parse_perturbation("typo");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    for (const auto& name : perturbation_names()) EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(PerturbTest, PerturbedCopiesKeepIdsAndLabels) {
  std::vector<Example> examples(2);
  examples[0] = {"a", kEnglish, Language::kEnglish, {1}, "card"};
  examples[1] = {"b", kKorean, Language::kKorean, {0}, "card"};
  const auto copies = perturbed(examples, Perturbation::kNoise);
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[0].text, perturb(kEnglish, Perturbation::kNoise, "a"));
  EXPECT_EQ(copies[1].labels, examples[1].labels);
  EXPECT_EQ(copies[1].id, "b");
  EXPECT_EQ(examples[0].text, kEnglish) << "the originals are left as they were";
}

}  // namespace
}  // namespace guardian::data

// The spelling games users play to slip past a filter, applied to labelled messages so a model's
// robustness can be measured on one's own data (`guardian eval --perturb`): a space or a symbol
// inside words, Hangul syllables written as their initial consonant, look-alike characters. Each
// message is perturbed by a generator seeded with its id, so every run and every model sees the
// same text. Mentions, hashtags and links are left alone. The same games, with the same rates, as
// bench/peers/perturb.py (its random draws differ, so the texts do too).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "data/example.h"

namespace guardian::data {

enum class Perturbation { kSplit, kNoise, kChoseong, kLeet };

// The games' names in enum order: "split", "noise", "choseong", "leet".
const std::vector<std::string>& perturbation_names();
// A name of perturbation_names(); an InputError naming the choices otherwise.
Perturbation parse_perturbation(std::string_view name);
std::string perturbation_name(Perturbation kind);

// text with the game played, drawn from a generator seeded by seed:
//   kSplit     a space inside a word (p = 0.3 per word of two or more characters): "idi ot", "시 발"
//   kNoise     one of . * 1 _ inside a word (p = 0.3 per word of two or more characters): "f*ck"
//   kChoseong  a Hangul syllable as its initial consonant (p = 0.1 per syllable): "ㅅ발"
//   kLeet      a, e, i, o, s (either case) as @ 3 1 0 $ (p = 0.3 per letter): "1d1ot"
// Words are split on single spaces and joined back the same way, so spacing is kept.
std::string perturb(std::string_view text, Perturbation kind, std::string_view seed);

// Copies of examples with their text perturbed (seeded by each example's id); labels unchanged.
std::vector<Example> perturbed(const std::vector<Example>& examples, Perturbation kind);

}  // namespace guardian::data

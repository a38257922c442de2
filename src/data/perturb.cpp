#include "data/perturb.h"

#include <cstdint>
#include <random>

#include "core/error.h"
#include "text/hangul.h"
#include "text/look_alike.h"
#include "text/utf8.h"

namespace guardian::data {
namespace {

constexpr double kWordRate = 0.3;      // split, noise: share of words played with
constexpr double kSyllableRate = 0.1;  // choseong: share of syllables abbreviated
constexpr double kLetterRate = 0.3;    // leet: share of a/e/i/o/s replaced
constexpr char kSymbols[] = {'.', '*', '1', '_'};

// The generator: mt19937_64's sequence is fixed by the standard, and the draws below are written
// out (the standard distributions are not), so a seed gives the same text on every platform.
class Draws {
 public:
  explicit Draws(uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  size_t below(size_t n) { return static_cast<size_t>(engine_() % n); }

 private:
  std::mt19937_64 engine_;
};

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string play(std::string_view word, Perturbation kind, Draws& draws) {
  std::u32string chars = text::decode_utf8(word);
  if (chars.empty() || text::is_mention_tag_or_link(chars)) return std::string(word);
  switch (kind) {
    case Perturbation::kSplit:
    case Perturbation::kNoise: {
      if (chars.size() < 2 || draws.uniform() >= kWordRate) return std::string(word);
      const size_t at = 1 + draws.below(chars.size() - 1);  // strictly inside
      const char32_t inserted = kind == Perturbation::kSplit ? U' ' : kSymbols[draws.below(sizeof kSymbols)];
      chars.insert(chars.begin() + static_cast<std::ptrdiff_t>(at), inserted);
      break;
    }
    case Perturbation::kChoseong:
      for (auto& c : chars) {
        if (text::is_hangul_syllable(c) && draws.uniform() < kSyllableRate) c = text::initial_consonant(c);
      }
      break;
    case Perturbation::kLeet:
      for (auto& c : chars) {
        if (const char32_t swap = text::look_alike_of_letter(c); swap && draws.uniform() < kLetterRate) c = swap;
      }
      break;
  }
  return text::encode_utf8(chars);
}

}  // namespace

const std::vector<std::string>& perturbation_names() {
  // In enum order.
  static const std::vector<std::string> kNames = {"split", "noise", "choseong", "leet"};
  return kNames;
}

Perturbation parse_perturbation(std::string_view name) {
  const auto& names = perturbation_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Perturbation>(i);
  }
  std::string choices;
  for (const auto& n : names) choices += (choices.empty() ? "" : ", ") + n;
  throw InputError("unknown perturbation '" + std::string(name) + "' (one of " + choices + ")");
}

std::string perturbation_name(Perturbation kind) { return perturbation_names().at(static_cast<size_t>(kind)); }

std::string perturb(std::string_view text, Perturbation kind, std::string_view seed) {
  Draws draws(fnv1a(seed, fnv1a(perturbation_name(kind))));
  std::string out;
  out.reserve(text.size() + 8);
  size_t begin = 0;
  while (true) {
    const size_t end = text.find(' ', begin);
    out += play(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin), kind, draws);
    if (end == std::string_view::npos) break;
    out.push_back(' ');
    begin = end + 1;
  }
  return out;
}

std::vector<Example> perturbed(const std::vector<Example>& examples, Perturbation kind) {
  std::vector<Example> out = examples;
  for (auto& e : out) e.text = perturb(e.text, kind, e.id);
  return out;
}

}  // namespace guardian::data

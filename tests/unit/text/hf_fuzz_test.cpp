// Seeded random-input fuzz of the tokenizer.json loader and encoder. Each input is made so that
// the test knows its verdict: a text is valid UTF-8 or not (checked here against the Unicode
// table of well-formed sequences, not the code under test), a tokenizer.json is edited in ways
// that keep it the same tokenizer or break it for a known reason. Valid inputs must load and
// encode; invalid ones must be refused with the guardian error type and a message that says why.
// Inputs edited at random with no known verdict must end in a result or a guardian error naming
// the file, never a crash, hang or foreign exception.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "text/hf_tokenizer.h"

using guardian::text::HfTokenizer;

namespace {

const char* kSeed = R"({"added_tokens": [{"id": 7, "content": "<s>", "special": true, "lstrip": true, "rstrip": true, "single_word": true}],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}]},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\p{L}+|\\p{N}{1,3}"}, "behavior": "Isolated"}, {"type": "ByteLevel", "add_prefix_space": true}]},
  "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [7], "tokens": ["<s>"]}}},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4, "<0x41>": 5, "<unk>": 6}, "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true, "merges": ["a b", "Ġ ab"]}})";

const char* kProbe = "ab <s> 한국 🙂 123";

// Atoms of text: well-formed ones, then the ill-formed ones (a stray byte, an overlong NUL, a
// surrogate, a code point past U+10FFFF). hostile: also the ill-formed atoms and random bytes.
std::string random_text(std::mt19937& rng, std::size_t max_len, bool hostile) {
  static const std::vector<std::string> atoms = {"a", "b", "ab", " ", "  ", "\n", "\t", "<s>", "<", "s>", "한", "ㅅㅂ", "🙂",
                                                 "\xCC\x81", "\xEF\xBB\xBF", "\xC2\x85", "\xE2\x96\x81", "1", "123", "!",
                                                 std::string(1, '\0'),
                                                 "\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
  const std::size_t usable = hostile ? atoms.size() : atoms.size() - 4;
  std::string s;
  std::size_t n = rng() % max_len;
  for (std::size_t i = 0; i < n; ++i) {
    if (hostile && rng() % 8 == 0) s.push_back(static_cast<char>(rng() % 256));
    else s += atoms[rng() % usable];
  }
  return s;
}

// The byte where the first ill-formed sequence starts (Unicode table 3-7), or npos when s is well-formed.
std::size_t first_invalid_utf8(const std::string& s) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char b = at(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b <= 0x7F) n = 1;
    else if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b == 0xE0) n = 3, lo = 0xA0;
    else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) n = 3;
    else if (b == 0xED) n = 3, hi = 0x9F;
    else if (b == 0xF0) n = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3) n = 4;
    else if (b == 0xF4) n = 4, hi = 0x8F;
    else return i;
    if (i + n > s.size()) return i;
    for (std::size_t k = 1; k < n; ++k) {
      const unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (at(i + k) < min || at(i + k) > max) return i;
    }
    i += n;
  }
  return std::string::npos;
}

// Positions in the JSON text just after a structural character ({ [ : ,) outside strings, and
// the positions of the structural characters themselves.
struct JsonLayout {
  std::vector<std::size_t> after_structural;
  std::vector<std::size_t> structural;
};

JsonLayout layout_of(const std::string& j) {
  JsonLayout out;
  bool in_string = false;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const char c = j[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
      out.structural.push_back(i);
      if (c != '}' && c != ']') out.after_structural.push_back(i + 1);
    }
  }
  return out;
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

TEST(HfFuzz, EncoderTakesValidTextAndRefusesInvalidUtf8AtItsFirstBadByte) {
  auto strict = HfTokenizer::from_json_string(kSeed);
  auto lossy = HfTokenizer::from_json_string(kSeed, {.replace_invalid_utf8 = true});
  std::mt19937 rng(12345);
  int valid = 0, invalid = 0;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    const std::string text = random_text(rng, 64, iteration % 2 == 1);
    const std::size_t bad = first_invalid_utf8(text);
    const bool specials = rng() % 2;
    if (bad == std::string::npos) {
      ++valid;
      guardian::text::Encoding e;
      ASSERT_NO_THROW(e = strict->encode(text, specials)) << ::testing::PrintToString(text);
      ASSERT_EQ(e.ids.size(), e.offsets.size());
      for (auto [b, en] : e.offsets) ASSERT_LE(en, text.size());
      EXPECT_EQ(lossy->encode(text, specials).ids, e.ids) << "nothing to replace in valid text";
      strict->decode(e.ids, rng() % 2);
    } else {
      ++invalid;
      const std::string why = error_of<guardian::InputError>([&] { strict->encode(text, specials); });
      ASSERT_NE(why.find("not valid UTF-8 (byte " + std::to_string(bad) + ")"), std::string::npos)
          << ::testing::PrintToString(text) << ": " << why;
    }
    auto e = lossy->encode(text, true);  // never throws: invalid bytes become U+FFFD
    for (auto [b, en] : e.offsets) ASSERT_LE(en, text.size());
    std::vector<int> ids;
    for (int k = 0; k < 8; ++k) ids.push_back(static_cast<int>(rng() % 20) - 2);
    lossy->decode(ids, false);
  }
  EXPECT_GT(valid, 500);
  EXPECT_GT(invalid, 500);
}

TEST(HfFuzz, LoaderTakesEquivalentFilesAndRefusesBrokenOnesForTheirReason) {
  std::mt19937 rng(777);
  const std::string seed = kSeed;
  const auto expected = HfTokenizer::from_json_string(seed)->encode(kProbe, true).ids;
  const JsonLayout layout = layout_of(seed);
  const std::string type_field = "\"type\": \"BPE\"";
  const std::string id_field = "{\"id\": 7,";
  ASSERT_NE(seed.find(type_field), std::string::npos);
  ASSERT_NE(seed.find(id_field), std::string::npos);
  std::vector<int> seen(6, 0);
  for (int iteration = 0; iteration < 1200; ++iteration) {
    std::string j = seed;
    const int kind = static_cast<int>(rng() % 6);
    ++seen[kind];
    SCOPED_TRACE("edit kind " + std::to_string(kind));
    switch (kind) {
      case 0: {  // whitespace between tokens: the same tokenizer
        std::vector<std::size_t> at;
        for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k)
          at.push_back(layout.after_structural[rng() % layout.after_structural.size()]);
        std::sort(at.rbegin(), at.rend());  // from the end, so that no insertion moves a later position
        for (std::size_t p : at) j.insert(p, std::string(1 + rng() % 3, " \n\t\r"[rng() % 4]));
        std::unique_ptr<HfTokenizer> t;
        ASSERT_NO_THROW(t = HfTokenizer::from_json_string(j)) << j;
        EXPECT_EQ(t->encode(kProbe, true).ids, expected);
        break;
      }
      case 1: {  // cut short: no closing brace
        j.resize(rng() % j.size());
        const auto why = error_of<guardian::FormatError>([&] { HfTokenizer::from_json_string(j); });
        EXPECT_NE(why.find("tokenizer.json: not valid JSON"), std::string::npos) << why;
        break;
      }
      case 2: {  // a structural character replaced by a letter
        j[layout.structural[rng() % layout.structural.size()]] = 'x';
        const auto why = error_of<guardian::FormatError>([&] { HfTokenizer::from_json_string(j); });
        EXPECT_NE(why.find("tokenizer.json: not valid JSON"), std::string::npos) << why;
        break;
      }
      case 3: {  // a model type guardian does not have
        const std::string type = "Bpe" + std::to_string(rng() % 1000);
        j.replace(j.find(type_field), type_field.size(), "\"type\": \"" + type + "\"");
        const auto why = error_of<guardian::UnsupportedError>([&] { HfTokenizer::from_json_string(j); });
        EXPECT_NE(why.find("$.model: unsupported type \"" + type + "\""), std::string::npos) << why;
        break;
      }
      case 4: {  // an added token with a negative id
        j.replace(j.find(id_field), id_field.size(), "{\"id\": -" + std::to_string(1 + rng() % 1000) + ",");
        const auto why = error_of<guardian::FormatError>([&] { HfTokenizer::from_json_string(j); });
        EXPECT_NE(why.find("$.added_tokens[0].id: expected a non-negative integer id"), std::string::npos) << why;
        break;
      }
      default: {  // bytes edited at random: no known verdict, but never a crash or a foreign exception
        for (int k = 0, edits = 1 + static_cast<int>(rng() % 4); k < edits; ++k) {
          std::size_t pos = rng() % j.size();
          switch (rng() % 4) {
            case 0: j[pos] = static_cast<char>(rng() % 256); break;
            case 1: j.erase(pos, 1 + rng() % 8); break;
            case 2: j.insert(pos, j.substr(rng() % j.size(), 1 + rng() % 12)); break;
            default: j[pos] = "{}[]\":,0-9a\\"[rng() % 13]; break;
          }
        }
        try {
          HfTokenizer::from_json_string(j)->encode(kProbe, true);
        } catch (const guardian::Error& e) {
          EXPECT_EQ(std::string(e.what()).rfind("tokenizer.json: ", 0), 0u) << "the error names the file: " << e.what();
        }
      }
    }
  }
  for (int kind = 0; kind < 6; ++kind) EXPECT_GT(seen[kind], 100) << kind;
}

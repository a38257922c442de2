// Bounded random-input fuzz of the tokenizer.json loader and encoder: hostile files and texts must
// end in a guardian error or a result, never a crash, hang or foreign exception (about 2 s).
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

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

std::string random_text(std::mt19937& rng, std::size_t max_len) {
  static const std::vector<std::string> atoms = {"a", "b", "ab", " ", "  ", "\n", "\t", "<s>", "<", "s>", "한", "ㅅㅂ", "🙂",
                                                 "\xCC\x81", "\xEF\xBB\xBF", "\xC2\x85", "\xE2\x96\x81", "1", "123", "!",
                                                 "\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x00"};
  std::string s;
  std::size_t n = rng() % max_len;
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 8 == 0) s.push_back(static_cast<char>(rng() % 256));
    else s += atoms[rng() % atoms.size()];
  }
  return s;
}

}  // namespace

TEST(HfFuzz, EncoderSurvivesRandomText) {
  auto strict = HfTokenizer::from_json_string(kSeed);
  auto lossy = HfTokenizer::from_json_string(kSeed, {.replace_invalid_utf8 = true});
  std::mt19937 rng(12345);
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  int runs = 0;
  while (std::chrono::steady_clock::now() < end) {
    std::string text = random_text(rng, 64);
    try {
      auto e = strict->encode(text, rng() % 2);
      EXPECT_EQ(e.ids.size(), e.offsets.size());
      strict->decode(e.ids, rng() % 2);
    } catch (const guardian::InputError&) {
    }
    auto e = lossy->encode(text, true);  // never throws: invalid bytes become U+FFFD
    for (auto [b, en] : e.offsets) ASSERT_LE(en, text.size());
    std::vector<int> ids;
    for (int k = 0; k < 8; ++k) ids.push_back(static_cast<int>(rng() % 20) - 2);
    lossy->decode(ids, false);
    ++runs;
  }
  EXPECT_GT(runs, 100);
}

TEST(HfFuzz, LoaderSurvivesMutatedFiles) {
  std::mt19937 rng(777);
  const std::string seed = kSeed;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  int loaded = 0, rejected = 0;
  while (std::chrono::steady_clock::now() < end) {
    std::string j = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      std::size_t pos = rng() % j.size();
      switch (rng() % 4) {
        case 0: j[pos] = static_cast<char>(rng() % 256); break;
        case 1: j.erase(pos, 1 + rng() % 8); break;
        case 2: j.insert(pos, j.substr(rng() % j.size(), 1 + rng() % 12)); break;
        default: j[pos] = "{}[]\":,0-9a\\"[rng() % 13]; break;
      }
    }
    try {
      auto t = HfTokenizer::from_json_string(j);
      t->encode("ab <s> 한국 🙂 123", true);
      ++loaded;
    } catch (const guardian::Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(loaded + rejected, 50);
}

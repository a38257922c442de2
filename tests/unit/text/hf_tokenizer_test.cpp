// Unit tests of HfTokenizer on tiny hand-written tokenizer.json files: each component, offsets,
// decode, special tokens, added tokens, and clear errors for bad files and bad text.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "text/hf_tokenizer.h"

using guardian::FormatError;
using guardian::InputError;
using guardian::UnsupportedError;
using guardian::text::HfTokenizer;

namespace {

// A tiny byte-level BPE (GPT-2 style): "Ġ" is the byte-level space.
const char* kByteLevel = R"({
  "added_tokens": [{"id": 9, "content": "<|end|>", "special": true, "normalized": false},
                   {"id": 10, "content": "[x]", "special": false, "normalized": false, "lstrip": true, "rstrip": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "post_processor": {"type": "ByteLevel"},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"h": 0, "i": 1, "Ġ": 2, "hi": 3, "Ġhi": 4, "!": 5, "ì": 6, "ķ": 7, "Ċ": 8},
            "merges": [["h", "i"], ["Ġ", "hi"]]}
})";

// SentencePiece-style BPE with byte fallback and a template that adds <s>.
const char* kByteFallback = R"({
  "added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true}],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                    {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
  "pre_tokenizer": null,
  "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                     "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
              {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true,
            "vocab": {"<unk>": 0, "<s>": 1, "▁": 2, "a": 3, "b": 4, "▁a": 5, "ab": 6, "▁ab": 7,
                      "<0xF0>": 8, "<0x9F>": 9, "<0x99>": 10, "<0x82>": 11},
            "merges": ["▁ a", "a b", "▁a b"]}
})";

std::unique_ptr<HfTokenizer> load(const char* json) { return HfTokenizer::from_json_string(json); }

}  // namespace

TEST(HfTokenizer, ByteLevelBpeMergesByRankAndKeepsOffsets) {
  auto t = load(kByteLevel);
  auto e = t->encode("hi hi!", true);
  EXPECT_EQ(e.ids, (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"hi", "Ġhi", "!"}));
  ASSERT_EQ(e.offsets.size(), 3u);
  EXPECT_EQ(e.offsets[1], (std::pair<std::size_t, std::size_t>{2, 5}));
  EXPECT_EQ(t->decode(e.ids), "hi hi!");
}

TEST(HfTokenizer, AddedTokensMatchBeforeTheModelAndStripWhitespace) {
  auto t = load(kByteLevel);
  auto e = t->encode("hi<|end|>hi  [x]  hi", true);
  EXPECT_EQ(e.ids, (std::vector<int>{3, 9, 3, 10, 3}));  // [x] swallows the spaces around it
  EXPECT_EQ(t->decode(e.ids, true), "hihi[x]hi");
  EXPECT_EQ(t->decode(e.ids, false), "hi<|end|>hi[x]hi");
}

TEST(HfTokenizer, ByteFallbackEncodesUnknownCharactersAsBytes) {
  auto t = load(kByteFallback);
  auto e = t->encode("ab 🙂", true);
  // <s> ▁ab ▁ then U+1F642 = F0 9F 99 82 as byte tokens
  EXPECT_EQ(e.ids, (std::vector<int>{1, 7, 2, 8, 9, 10, 11}));
  EXPECT_EQ(t->decode(e.ids), "ab 🙂");
  EXPECT_EQ(t->encode("ab", false).ids, (std::vector<int>{7}));
  EXPECT_EQ(t->special_tokens().bos, 1);
  EXPECT_EQ(t->special_tokens().unk, 0);
}

TEST(HfTokenizer, ByteFallbackWithoutTheBytesFusesUnknowns) {
  auto t = load(kByteFallback);
  EXPECT_EQ(t->encode("a한국", false).ids, (std::vector<int>{5, 0}));  // one fused <unk>
}

TEST(HfTokenizer, MetaspaceSplitsOnTheReplacementAsHuggingFace) {
  // Rust's Metaspace splits with MergedWithNext (the JS port does not: DIVERGENCES.md D2).
  auto t = HfTokenizer::from_json_string(R"({"model": {"type": "WordPiece", "unk_token": "[UNK]",
      "vocab": {"[UNK]": 0, "▁hey": 1, "▁friend": 2, "▁": 3}},
      "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
      "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}})");
  auto e = t->encode("hey  friend", false);
  EXPECT_EQ(e.ids, (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(t->decode(e.ids), "hey  friend");
}

TEST(HfTokenizer, WordPieceUsesContinuationPrefixAndUnknownWord) {
  auto t = HfTokenizer::from_json_string(R"({"model": {"type": "WordPiece", "unk_token": "[UNK]",
      "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "play": 3, "##ing": 4, "!": 5}},
      "added_tokens": [{"id": 1, "content": "[CLS]", "special": true}, {"id": 2, "content": "[SEP]", "special": true}],
      "normalizer": {"type": "BertNormalizer", "lowercase": true},
      "pre_tokenizer": {"type": "BertPreTokenizer"},
      "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
      "decoder": {"type": "WordPiece", "prefix": "##"}})");
  auto e = t->encode("PLAYING! xyz", true);
  EXPECT_EQ(e.ids, (std::vector<int>{1, 3, 4, 5, 0, 2}));
  EXPECT_EQ(e.offsets[4], (std::pair<std::size_t, std::size_t>{9, 12}));
  EXPECT_EQ(t->decode(e.ids), "playing! [UNK]");
  EXPECT_EQ(t->special_tokens().bos, 1);
  EXPECT_EQ(t->special_tokens().eos, 2);
}

TEST(HfTokenizer, UnigramPicksTheBestSegmentation) {
  auto t = HfTokenizer::from_json_string(R"({"model": {"type": "Unigram", "unk_id": 0,
      "vocab": [["<unk>", 0], ["a", -1], ["b", -1], ["ab", -1.5], ["abc", -5], ["c", -1]]}})");
  EXPECT_EQ(t->encode("abc", false).ids, (std::vector<int>{3, 5}));   // ab c (-2.5) beats abc (-5)
  EXPECT_EQ(t->encode("abxxc", false).ids, (std::vector<int>{3, 0, 5}));  // unknowns fuse
}

TEST(HfTokenizer, NormalizersNfkcLowercaseStripAccents) {
  auto t = HfTokenizer::from_json_string(R"({"model": {"type": "WordPiece", "unk_token": "?",
      "vocab": {"?": 0, "cafe": 1, "fi": 2}},
      "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Lowercase"}]},
      "pre_tokenizer": {"type": "WhitespaceSplit"}})");
  auto e = t->encode("CAFÉ ﬁ", false);
  EXPECT_EQ(e.ids, (std::vector<int>{1, 2}));
  EXPECT_EQ(e.offsets[0], (std::pair<std::size_t, std::size_t>{0, 5}));
  EXPECT_EQ(e.offsets[1], (std::pair<std::size_t, std::size_t>{6, 9}));
}

TEST(HfTokenizer, SplitDigitsPunctuationAndRegex) {
  auto t = HfTokenizer::from_json_string(R"({"model": {"type": "WordPiece", "unk_token": "?",
      "vocab": {"?": 0, "a": 1, "1": 2, "2": 3, "12": 4, "!": 5, "b": 6}},
      "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Removed"},
        {"type": "Punctuation"}, {"type": "Digits", "individual_digits": true}]}})");
  EXPECT_EQ(t->encode("a12! b", false).ids, (std::vector<int>{1, 2, 3, 5, 6}));
}

TEST(HfTokenizer, InvalidUtf8IsAnInputErrorOrReplaced) {
  auto t = load(kByteLevel);
  EXPECT_THROW(t->encode(std::string("hi\xFFhi"), true), InputError);
  auto lossy = HfTokenizer::from_json_string(kByteLevel, {.replace_invalid_utf8 = true});
  auto e = lossy->encode(std::string("hi\xFF"), true);
  // U+FFFD is EF BF BD in byte-level: ï ¿ ½ are not in the tiny vocab, so they drop (no unk token).
  EXPECT_EQ(e.ids.front(), 3);
}

TEST(HfTokenizer, UnsupportedTypeNamesTypeAndPath) {
  try {
    HfTokenizer::from_json_string(R"({"model": {"type": "WordLevel", "vocab": {}}})");
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("WordLevel"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("$.model"), std::string::npos) << e.what();
  }
  try {
    HfTokenizer::from_json_string(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Fancy"}]}})");
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("$.pre_tokenizer.pretokenizers[0]"), std::string::npos) << e.what();
  }
}

TEST(HfTokenizer, MalformedFileNamesTheField) {
  auto expect_field = [](const char* json, const char* field) {
    try {
      HfTokenizer::from_json_string(json);
      ADD_FAILURE() << "expected FormatError for " << json;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_field(R"({"normalizer": null})", "model");
  expect_field(R"({"model": {"type": "BPE", "vocab": {"a": 0}}})", "merges");
  expect_field(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "merges[0]");
  expect_field(R"({"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}})", "vocab");
  // 2^32 + 1 is refused, not wrapped to id 1 (the id of another token).
  expect_field(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "b": 1, "a": 4294967297}}})", "bad id 4294967297");
  expect_field(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "added_tokens": [{"id": -1, "content": "x"}]})", "added_tokens[0].id");
  expect_field(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(("}}})", "pattern");
  expect_field(R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})", "unk_token");
  expect_field("{not json", "not valid JSON");
  expect_field(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 1e999}}})", "not valid JSON");  // out_of_range, not parse_error
  EXPECT_THROW(HfTokenizer::load("/nonexistent/tokenizer.json"), InputError);
}

TEST(HfTokenizer, VocabularyLookups) {
  auto t = load(kByteLevel);
  EXPECT_EQ(t->vocab_size(), 11);
  EXPECT_EQ(t->token_to_id("Ġhi"), 4);
  EXPECT_EQ(t->token_to_id("<|end|>"), 9);
  EXPECT_FALSE(t->token_to_id("zzz").has_value());
  EXPECT_EQ(t->id_to_token(3), "hi");
  EXPECT_EQ(t->id_to_token(12345), "");
  EXPECT_EQ(t->kind(), "tokenizer.json");
}

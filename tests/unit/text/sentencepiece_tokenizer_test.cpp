#include "text/sentencepiece_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "core/error.h"
#include "core/fs.h"
#include "text/normalize.h"

namespace guardian::text {
namespace {

namespace fs = std::filesystem;

// Up to limit lines of column 0 (after a header for TSV files) from a data file.
std::vector<std::string> read_lines(const fs::path& path, bool tsv, std::size_t limit) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  if (tsv) std::getline(in, line);
  while (out.size() < limit && std::getline(in, line)) {
    if (tsv) line = line.substr(0, line.find('\t'));
    out.push_back(line);
  }
  return out;
}

class SentencePieceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::path data;
    try {
      data = core::data_root();
    } catch (const InputError&) {
      data = fs::path(GUARDIAN_SOURCE_DIR) / ".." / "shared" / "data";  // the default beside the repo
    }
    korean_ = read_lines(data / "korean-hate-speech-beep/labeled/train.tsv", true, 2200);
    english_ = read_lines(data / "tweeteval/datasets/offensive/train_text.txt", false, 2200);
    if (korean_.size() < 2200 || english_.size() < 2200) return;
    dir_ = fs::temp_directory_path() / ("guardian-sp-test-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    // Train on the first 2000 lines of each; the last 200 are unseen.
    std::size_t i = 0;
    auto next = [&](std::string& s) {
      if (i >= 4000) return false;
      s = i % 2 == 0 ? korean_[i / 2] : english_[i / 2];
      ++i;
      return true;
    };
    SentencePieceTrainOptions options;
    options.vocab_size = 800;
    options.character_coverage = 0.98;
    options.num_threads = 2;
    SentencePieceTokenizer::train(next, options, dir_ / "sp.model");
    tokenizer_ = SentencePieceTokenizer::load(dir_ / "sp.model").release();
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    tokenizer_ = nullptr;
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void SetUp() override {
    ASSERT_NE(tokenizer_, nullptr) << "data not found (set GUARDIAN_DATA)";
  }

  static inline std::vector<std::string> korean_, english_;
  static inline fs::path dir_;
  static inline SentencePieceTokenizer* tokenizer_ = nullptr;
};

TEST_F(SentencePieceTest, SpecialsHaveFixedIds) {
  const SpecialTokens s = tokenizer_->special_tokens();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.unk, 1);
  EXPECT_EQ(s.bos, 2);
  EXPECT_EQ(s.eos, 3);
  EXPECT_EQ(s.mask, 4);
  EXPECT_EQ(tokenizer_->token_to_id("<pad>"), 0);
  EXPECT_EQ(tokenizer_->token_to_id("<unk>"), 1);
  EXPECT_EQ(tokenizer_->token_to_id("<s>"), 2);
  EXPECT_EQ(tokenizer_->token_to_id("</s>"), 3);
  EXPECT_EQ(tokenizer_->token_to_id("<mask>"), 4);
  EXPECT_EQ(tokenizer_->token_to_id("no such piece at all"), std::nullopt);
  EXPECT_EQ(tokenizer_->id_to_token(2), "<s>");
  EXPECT_EQ(tokenizer_->kind(), "sentencepiece");
  EXPECT_GT(tokenizer_->vocab_size(), 400);
  EXPECT_LE(tokenizer_->vocab_size(), 800);
}

TEST_F(SentencePieceTest, RoundTripOnUnseenKoreanAndEnglish) {
  for (std::size_t i = 2000; i < 2200; ++i) {
    for (const std::string* line : {&korean_[i], &english_[i]}) {
      const Encoding enc = tokenizer_->encode(*line, false);
      EXPECT_EQ(tokenizer_->decode(enc.ids), normalize(*line)) << *line;
      for (int id : enc.ids) EXPECT_NE(id, 1) << "byte fallback means no <unk>: " << *line;
    }
  }
}

TEST_F(SentencePieceTest, HangulJamoAndEmojiRoundTrip) {
  for (const char* s : {"ㅋㅋㅋㅋ 진짜 웃기네", "ㅅㅂ 뭐야 이거", "좋아요 😀👍", "ＡＢＣ ﬁne"}) {
    const Encoding enc = tokenizer_->encode(s);
    EXPECT_EQ(tokenizer_->decode(enc.ids), normalize(s)) << s;
  }
}

TEST_F(SentencePieceTest, SpecialTokensAddedOnRequest) {
  const Encoding with = tokenizer_->encode("hello world");
  const Encoding without = tokenizer_->encode("hello world", false);
  ASSERT_EQ(with.ids.size(), without.ids.size() + 2);
  EXPECT_EQ(with.ids.front(), 2);
  EXPECT_EQ(with.ids.back(), 3);
  EXPECT_EQ(with.tokens.front(), "<s>");
  EXPECT_EQ(std::vector<int>(with.ids.begin() + 1, with.ids.end() - 1), without.ids);
  EXPECT_EQ(tokenizer_->decode(with.ids), "hello world");
  EXPECT_EQ(tokenizer_->decode(with.ids, false), "<s>hello world</s>");
  const std::vector<int> padded = {2, 4, 3, 0, 0};
  EXPECT_EQ(tokenizer_->decode(padded, true), "");
  EXPECT_EQ(tokenizer_->decode(padded, false), "<s><mask></s><pad><pad>");
}

TEST_F(SentencePieceTest, OffsetsPointIntoTheOriginalText) {
  const std::string input = "  ＡＢＣ   ㅋㅋ 진짜 hello ";
  const Encoding enc = tokenizer_->encode(input, false);
  ASSERT_EQ(enc.offsets.size(), enc.ids.size());
  std::size_t last_end = 0;
  std::string covered;
  for (std::size_t i = 0; i < enc.ids.size(); ++i) {
    const auto [b, e] = enc.offsets[i];
    ASSERT_LE(b, e);
    ASSERT_LE(e, input.size());
    EXPECT_GE(b, last_end) << "offsets go forward";
    if (e > b) last_end = e;
    covered += input.substr(b, e - b);
  }
  // The pieces cover the non-space text: the fullwidth letters, the jamo, the words.
  EXPECT_NE(covered.find("ＡＢＣ"), std::string::npos) << covered;
  EXPECT_NE(covered.find("ㅋㅋ"), std::string::npos) << covered;
  EXPECT_NE(covered.find("hello"), std::string::npos) << covered;
  // A piece's offsets give back the input text it came from.
  for (std::size_t i = 0; i < enc.ids.size(); ++i) {
    const auto [b, e] = enc.offsets[i];
    const std::string piece = enc.tokens[i];
    if (piece == "▁hello" || piece == "hello") {
      EXPECT_NE(input.substr(b, e - b).find("hello"), std::string::npos);
    }
  }
}

TEST_F(SentencePieceTest, VocabularyTooSmallForKoreanIsAClearError) {
  std::size_t i = 0;
  auto next = [&](std::string& s) {
    if (i >= 2000) return false;
    s = korean_[i++];
    return true;
  };
  SentencePieceTrainOptions options;
  options.vocab_size = 300;  // fewer pieces than the ~1500 distinct syllables 99.95% coverage needs
  const fs::path path = dir_ / "too_small.model";
  try {
    SentencePieceTokenizer::train(next, options, path);
    ADD_FAILURE() << "trained a model smaller than its required characters";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("character_coverage"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(SentencePieceTest, BadIdsAreInputErrors) {
  const std::vector<int> bad = {5, 100000};
  EXPECT_THROW(tokenizer_->decode(bad), InputError);
  const std::vector<int> negative = {-1};
  EXPECT_THROW(tokenizer_->decode(negative), InputError);
  EXPECT_THROW(tokenizer_->id_to_token(100000), InputError);
}

TEST_F(SentencePieceTest, ModelBytesReload) {
  auto copy = SentencePieceTokenizer::from_bytes(tokenizer_->model_bytes(), "memory");
  EXPECT_EQ(copy->encode("안녕 hello").ids, tokenizer_->encode("안녕 hello").ids);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1) << "no temporary files left beside the model";
}

TEST(SentencePieceLoad, GarbageIsFormatErrorNamingTheFile) {
  const fs::path path = fs::temp_directory_path() / ("guardian-garbage-" + std::to_string(std::random_device{}()) + ".model");
  {
    std::ofstream out(path, std::ios::binary);
    out << "this is not a sentencepiece model \xff\xfe\x01\x02";
  }
  try {
    SentencePieceTokenizer::load(path);
    ADD_FAILURE() << "garbage accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path.filename().string()), std::string::npos) << e.what();
  }
  { std::ofstream out(path, std::ios::binary | std::ios::trunc); }
  EXPECT_THROW(SentencePieceTokenizer::load(path), FormatError);
  fs::remove(path);
  EXPECT_THROW(SentencePieceTokenizer::load(path), InputError);
}

TEST(SentencePieceTrain, SourceErrorsAreRethrownAndNothingWritten) {
  const fs::path path = fs::temp_directory_path() / ("guardian-sp-fail-" + std::to_string(std::random_device{}()) + ".model");
  int n = 0;
  auto failing = [&](std::string& s) -> bool {
    if (++n > 10) throw InputError("source broke at line 11");
    s = "some text " + std::to_string(n);
    return true;
  };
  SentencePieceTrainOptions options;
  options.vocab_size = 300;
  EXPECT_THROW(SentencePieceTokenizer::train(failing, options, path), InputError);
  EXPECT_FALSE(fs::exists(path));
  auto empty = [](std::string&) { return false; };
  EXPECT_THROW(SentencePieceTokenizer::train(empty, options, path), InputError);
  EXPECT_FALSE(fs::exists(path));
  options.vocab_size = 100;
  EXPECT_THROW(SentencePieceTokenizer::train(empty, options, path), InputError);
}

}  // namespace
}  // namespace guardian::text

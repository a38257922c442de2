// Causal pretraining end to end in the library: a run stopped and resumed ends with the weights of
// an uninterrupted one; the directory it writes is a Hugging Face checkpoint (architectures, no
// lm_head when tied, a chat template the renderer reads); its tokenizer.json encodes like its
// tokenizer.model; exact duplicates of scored texts never reach the training text.
#include <fstream>
#include <random>

#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/fs.h"
#include "core/json_file.h"
#include "core/safetensors.h"
#include "models/decoders/decoder_model.h"
#include "text/chat_template.h"
#include "text/hf_tokenizer.h"
#include "text/normalize.h"
#include "text/sentencepiece_export.h"
#include "text/sentencepiece_tokenizer.h"
#include "train/decoder_pretrainer.h"
#include "train/pretrain_text.h"

namespace guardian::train {
namespace {

namespace fs = std::filesystem;

// Chat lines as people write them, English and Korean, with emoji, repeats and rare characters
// (byte fallback).
const std::vector<std::string> kRealTexts = {
    "@user you are such an idiot lol",
    "I can't believe this happened again... #mondays",
    "Thanks for the follow!! 😊😊",
    "this is the worst take i've seen all week",
    "No one asked for your opinion, mate.",
    "Happy birthday!!! hope you have a great day 🎉",
    "ㅋㅋㅋㅋ 진짜 웃기다",
    "이 영화 정말 재밌어요 강추합니다",
    "너 진짜 바보 아니냐?",
    "오늘 날씨 너무 좋네요~ 산책 가야지",
    "배우 연기력이 아쉽다 ㅠㅠ",
    "댓글 수준 봐라... 한심하다",
    "The café's crème brûlée was amazing",
    "Ω≈ç√ rare symbols ∑ and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "  extra   spaces    everywhere  ",
    "URL http://t.co/abc123 and numbers 42 3.14",
};

struct Shelf {
  fs::path dir, card;
};

// A "lines" card of repeated chat text, and a second card whose "test" split is scored and shares
// some texts with the first.
Shelf write_shelf(const std::string& name) {
  Shelf shelf{fs::temp_directory_path() / ("guardian-causal-pretrain-" + name + "-" + std::to_string(::getpid())), {}};
  fs::remove_all(shelf.dir);
  fs::create_directories(shelf.dir / "data" / "text");
  std::ofstream(shelf.dir / "data" / "MANIFEST.md") << "# test shelf\n";
  std::mt19937 rng(5);
  {
    std::ofstream lines(shelf.dir / "data" / "text" / "lines.txt");
    for (int i = 0; i < 600; ++i) {
      lines << kRealTexts[rng() % kRealTexts.size()] << " " << kRealTexts[rng() % kRealTexts.size()] << "\n";
    }
    lines << "scored message one\nscored  message two\n";
  }
  std::ofstream(shelf.dir / "data" / "text" / "scored.txt") << "scored message one\nscored message two\n";
  shelf.card = shelf.dir / "card.toml";
  std::ofstream(shelf.card) << "name = \"lines\"\nlanguage = \"auto\"\nlicence = \"test data\"\nformat = \"lines\"\n"
                               "scored = [\"test\"]\n[splits]\ntrain = \"text/lines.txt\"\ntest = \"text/scored.txt\"\n";
  core::set_data_root(shelf.dir / "data", "the test's shelf");
  return shelf;
}

TrainConfig recipe(const Shelf& shelf, const fs::path& out) {
  return TrainConfig::parse(
      "name = \"decoder\"\n[data]\ntrain = [\"" + shelf.card.string() + ":train\"]\n"
      "[tokenizer]\nvocab_size = 400\n"
      "[model]\nkind = \"decoder\"\nhidden_size = 16\nnum_hidden_layers = 1\nnum_attention_heads = 2\n"
      "num_key_value_heads = 1\nintermediate_size = 32\nmax_length = 16\npretrained = \"" + out.string() + "\"\n"
      "[pretrain]\nobjective = \"causal\"\nbatch_size = 4\ntokens = 640\nlr = 0.01\nheldout_texts = 20\n"
      "[train]\nthreads = 1\n",
      "test recipe");
}

std::map<std::string, std::vector<float>> read_weights(const fs::path& file) {
  std::map<std::string, std::vector<float>> out;
  const auto st = core::SafetensorsFile::load(file);
  for (const auto& name : st.names()) {
    const auto& view = st.get(name);
    const auto* f = reinterpret_cast<const float*>(view.data.data());
    out[name] = std::vector<float>(f, f + view.data.size() / sizeof(float));
  }
  return out;
}

TEST(CausalPretrain, ResumedRunEndsWithTheWeightsOfAnUninterruptedOne) {
  const auto shelf = write_shelf("resume");
  PretrainOptions quiet;
  quiet.quiet = true;
  const auto whole = pretrain(recipe(shelf, shelf.dir / "whole"), quiet);
  ASSERT_TRUE(whole.finished);
  EXPECT_EQ(whole.steps, 10);  // 640 tokens in steps of 4 rows of 16
  EXPECT_EQ(whole.tokens, 640);
  EXPECT_GT(whole.heldout_perplexity, 1.0);

  // The same tokenizer (training it is not bit-reproducible across threads), then 4 steps and the rest.
  fs::create_directories(shelf.dir / "split");
  fs::copy_file(shelf.dir / "whole" / "tokenizer.model", shelf.dir / "split" / "tokenizer.model");
  auto first = quiet;
  first.stop_after_steps = 4;
  const auto part = pretrain(recipe(shelf, shelf.dir / "split"), first);
  EXPECT_FALSE(part.finished);
  EXPECT_TRUE(fs::exists(shelf.dir / "split" / "checkpoint" / "state.json"));
  const auto rest = pretrain(recipe(shelf, shelf.dir / "split"), quiet);
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.steps, 10);
  EXPECT_FALSE(fs::exists(shelf.dir / "split" / "checkpoint"));
  const auto a = read_weights(shelf.dir / "whole" / "model.safetensors");
  const auto b = read_weights(shelf.dir / "split" / "model.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, values] : a) EXPECT_EQ(values, b.at(name)) << name;
  EXPECT_NEAR(rest.heldout_perplexity, whole.heldout_perplexity, 1e-9);

  const auto info = core::read_json_file(shelf.dir / "split" / "pretrain.json");
  EXPECT_EQ(info["tokens"], 640);
  EXPECT_GT(info["seconds"].get<double>(), 0.0);
  EXPECT_GT(info["tokens_per_second"].get<double>(), 0.0);
  EXPECT_GT(info["heldout"]["perplexity"].get<double>(), 1.0);
  fs::remove_all(shelf.dir);
}

TEST(CausalPretrain, WritesAHuggingFaceCheckpoint) {
  const auto shelf = write_shelf("layout");
  PretrainOptions quiet;
  quiet.quiet = true;
  const auto dir = shelf.dir / "decoder";
  ASSERT_TRUE(pretrain(recipe(shelf, dir), quiet).finished);
  const auto config = core::read_json_file(dir / "config.json");
  EXPECT_EQ(config["architectures"], nlohmann::json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(config["model_type"], "llama");
  EXPECT_TRUE(config["tie_word_embeddings"].get<bool>());
  const auto names = core::SafetensorsFile::load(dir / "model.safetensors").names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "lm_head.weight"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "model.layers.0.self_attn.k_proj.weight"), 1);
  const auto model = models::decoders::load_decoder(dir);
  EXPECT_EQ(model->config().num_key_value_heads, 1);
  for (const char* file : {"tokenizer.model", "tokenizer.json", "generation_config.json", "pretrain.json"}) {
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  }
  const auto tokenizer_config = core::read_json_file(dir / "tokenizer_config.json");
  text::ChatTemplate chat(tokenizer_config["chat_template"].get<std::string>());
  const nlohmann::json context = {
      {"messages", {{{"role", "user"}, {"content", " hi there "}}, {{"role", "assistant"}, {"content", "hello"}}}},
      {"add_generation_prompt", true}, {"bos_token", "<s>"}, {"eos_token", "</s>"}};
  EXPECT_EQ(chat.render(context), "<s><|user|>\nhi there</s>\n<|assistant|>\nhello</s>\n<|assistant|>\n");

  // Scored texts ("scored message one", and two up to whitespace) left the training text.
  const auto info = core::read_json_file(dir / "pretrain.json");
  EXPECT_EQ(info["scored_duplicates_removed"], 2);
  const auto gathered = gather_pretrain_text(recipe(shelf, dir));
  EXPECT_EQ(std::count(gathered.texts.begin(), gathered.texts.end(), "scored message one"), 0);
  fs::remove_all(shelf.dir);
}

TEST(SentencePieceExport, TokenizerJsonEncodesLikeTheModel) {
  const auto dir = fs::temp_directory_path() / ("guardian-sp-export-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<std::string> corpus;
  for (int i = 0; i < 40; ++i) corpus.insert(corpus.end(), kRealTexts.begin(), kRealTexts.end() - 3);
  size_t next = 0;
  text::SentencePieceTrainOptions options;
  options.vocab_size = 400;
  text::SentencePieceTokenizer::train(
      [&](std::string& s) { return next < corpus.size() ? (s = corpus[next++], true) : false; }, options,
      dir / "tokenizer.model");
  const auto sp = text::SentencePieceTokenizer::load(dir / "tokenizer.model");
  const auto json = text::sentencepiece_tokenizer_json(sp->model_bytes(), "tokenizer.model");
  const auto hf = text::HfTokenizer::from_json_string(json.dump());
  EXPECT_EQ(hf->vocab_size(), sp->vocab_size());
  // Every real text, and the held-back ones whose characters the model never saw (byte fallback).
  // Two segmentations of equal total score (a tie such as "!!" + "!" against "!" + "!!") are
  // broken one way by SentencePiece's lattice and the other by Hugging Face's: such a text must
  // decode alike and score alike.
  const auto pieces = text::read_sentencepiece_pieces(sp->model_bytes(), "tokenizer.model");
  auto score = [&](const std::vector<int>& ids) {
    double total = 0.0;
    for (int id : ids) total += pieces.at(static_cast<size_t>(id)).score;
    return total;
  };
  int ties = 0;
  for (const auto& t : kRealTexts) {
    const auto expected = sp->encode(t, false).ids;
    const auto got = hf->encode(text::normalize_lossy(t), false).ids;
    if (got != expected) {
      ++ties;
      EXPECT_EQ(hf->decode(got), sp->decode(expected)) << t;
      EXPECT_NEAR(score(got), score(expected), 1e-4) << "not a tie: " << t;
    }
    auto with_bos = hf->encode(text::normalize_lossy(t), true).ids;
    ASSERT_FALSE(with_bos.empty());
    EXPECT_EQ(with_bos.front(), text::kSpBosId) << "add_bos_token, as Llama's tokenizer";
    EXPECT_EQ(hf->decode(expected), sp->decode(expected)) << t;
  }
  EXPECT_LE(ties, 2) << "ties are rare; more means the two encoders differ";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace guardian::train

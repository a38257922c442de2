// generation_config.json and tokenizer_config.json: both spellings of eos_token_id and of a
// special token, the named chat templates, and errors that name the file and the key.
#include <gtest/gtest.h>

#include "core/error.h"
#include "generate/generation_config.h"
#include "text/tokenizer_config.h"

namespace guardian::generate {
namespace {

using nlohmann::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

TEST(GenerationConfig, EosIdIsOneIdOrAList) {
  EXPECT_EQ(parse_generation_config(json{{"eos_token_id", 2}}, "g.json").eos_token_ids, (std::vector<int64_t>{2}));
  EXPECT_EQ(parse_generation_config(json{{"eos_token_id", {1, 106}}}, "g.json").eos_token_ids, (std::vector<int64_t>{1, 106}));
  EXPECT_TRUE(parse_generation_config(json::object(), "g.json").eos_token_ids.empty());
}

TEST(GenerationConfig, SamplingDefaults) {
  const auto c = parse_generation_config(
      json{{"do_sample", true}, {"temperature", 0.6}, {"top_k", 20}, {"top_p", 0.95}, {"min_p", 0}, {"repetition_penalty", 1.1},
           {"max_new_tokens", 64}, {"transformers_version", "4.51.0"}},
      "g.json");
  EXPECT_TRUE(*c.do_sample);
  EXPECT_DOUBLE_EQ(*c.temperature, 0.6);
  EXPECT_EQ(*c.top_k, 20);
  EXPECT_DOUBLE_EQ(*c.top_p, 0.95);
  EXPECT_DOUBLE_EQ(*c.min_p, 0.0);
  EXPECT_DOUBLE_EQ(*c.repetition_penalty, 1.1);
  EXPECT_EQ(*c.max_new_tokens, 64);
}

TEST(GenerationConfig, BadValuesNameTheFileAndTheKey) {
  const std::string dir = "/models/m/generation_config.json";
  EXPECT_EQ(error_of([&] { parse_generation_config(json{{"eos_token_id", "2"}}, dir); }),
            dir + ": 'eos_token_id' must be a token id or a list of token ids");
  EXPECT_NE(error_of([&] { parse_generation_config(json{{"eos_token_id", {1, -3}}}, dir); }).find("'eos_token_id'"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_generation_config(json{{"top_p", 1.5}}, dir); }).find(dir + ": 'top_p' must be"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_generation_config(json{{"top_k", 2.5}}, dir); }).find("'top_k'"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_generation_config(json{{"do_sample", "yes"}}, dir); }).find("'do_sample'"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_generation_config(json{{"repetition_penalty", 0}}, dir); }).find("'repetition_penalty'"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_generation_config(json::array(), dir); }).find(dir), std::string::npos);
}

TEST(TokenizerConfig, SpecialTokensAsTextOrObjects) {
  const auto c = text::parse_tokenizer_config(
      json{{"bos_token", {{"content", "<s>"}, {"lstrip", false}}}, {"eos_token", "</s>"}, {"pad_token", nullptr},
           {"add_bos_token", true}, {"chat_template", "{{ bos_token }}"}},
      "t.json");
  EXPECT_EQ(*c.bos_token, "<s>");
  EXPECT_EQ(*c.eos_token, "</s>");
  EXPECT_FALSE(c.pad_token.has_value());
  EXPECT_TRUE(*c.add_bos_token);
  EXPECT_EQ(c.chat_template, "{{ bos_token }}");
  EXPECT_FALSE(text::parse_tokenizer_config(json::object(), "t.json").add_bos_token.has_value());
}

TEST(TokenizerConfig, NamedTemplatesGiveTheDefault) {
  const auto c = text::parse_tokenizer_config(
      json{{"chat_template", {{{"name", "tool_use"}, {"template", "T"}}, {{"name", "default"}, {"template", "D"}}}}}, "t.json");
  EXPECT_EQ(c.chat_template, "D");
}

TEST(TokenizerConfig, BadValuesNameTheFileAndTheKey) {
  EXPECT_EQ(error_of([] { text::parse_tokenizer_config(json{{"add_bos_token", "yes"}}, "t.json"); }),
            "t.json: 'add_bos_token' must be true or false");
  EXPECT_NE(error_of([] { text::parse_tokenizer_config(json{{"eos_token", 2}}, "t.json"); }).find("t.json: 'eos_token'"),
            std::string::npos);
  EXPECT_NE(error_of([] { text::parse_tokenizer_config(json{{"chat_template", 3}}, "t.json"); }).find("'chat_template'"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              text::parse_tokenizer_config(json{{"chat_template", {{{"name", "x"}, {"template", "T"}}}}}, "t.json");
            }).find("no template named \"default\""),
            std::string::npos);
}

}  // namespace
}  // namespace guardian::generate

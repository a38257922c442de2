// guardian generate on a golden Hugging Face checkpoint continues a prompt with the ids that
// transformers' generate() produced for it; with a tokenizer written beside the golden weights,
// generate continues text prompts (text, JSON Lines in and out) and chat holds a conversation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "core/fs.h"
#include "../unit/generate/byte_tokenizer.h"

namespace guardian::e2e {
namespace {

fs::path golden_llama() {
  if (const char* env = std::getenv("GUARDIAN_GOLDENS")) return fs::path(env) / "llama";
  return core::data_root().parent_path() / "goldens" / "transformers" / "llama";
}

TEST(CliGenerate, GreedyIdsEqualTransformers) {
  const auto dir = golden_llama();
  ASSERT_TRUE(fs::is_directory(dir)) << "golden directory missing: " << dir;
  const auto golden = nlohmann::json::parse(std::ifstream(dir / "golden.json"));
  std::string prompt;
  for (const auto& id : golden["inputs"]["single_input_ids"][0]) prompt += (prompt.empty() ? "" : ",") + id.dump();
  const auto result = run_guardian({"generate", "--model", dir.string(), "--ids", prompt, "--greedy", "--ignore-eos",
                                    "--max-new-tokens", "8"});
  ASSERT_EQ(result.code, 0) << result.output;
  const auto lines = json_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << result.output;
  EXPECT_EQ(lines[0]["new_ids"], golden["generation"]["single_new_ids"][0]) << result.output;
}

TEST(CliGenerate, BadIdsAreOneClearError) {
  const auto result = run_guardian({"generate", "--model", golden_llama().string(), "--ids", "5,x", "--greedy"});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.output.find("--ids"), std::string::npos) << result.output;
}

// The golden llama weights (vocabulary 512) with the byte tokenizer (ids 0-258), its ChatML
// tokenizer_config.json and a generation_config.json that ends on <|im_end|>.
fs::path tiny_chat_model(const std::string& name) {
  const auto dir = fresh_dir(name);
  for (const auto* file : {"config.json", "model.safetensors"}) fs::copy_file(golden_llama() / file, dir / file);
  std::ofstream(dir / "tokenizer.json") << guardian::testing::byte_tokenizer_json();
  std::ofstream(dir / "tokenizer_config.json") << guardian::testing::byte_tokenizer_config_json();
  std::ofstream(dir / "generation_config.json") << R"({"eos_token_id": [257], "do_sample": false})";
  return dir;
}

TEST(CliGenerate, TextPromptGivesTextAndJsonLines) {
  const auto dir = tiny_chat_model("generate-text");
  const auto json = run_guardian({"generate", "--model", dir.string(), "--jsonl", "--max-new-tokens", "6", "hello"});
  ASSERT_EQ(json.code, 0) << json.output;
  const auto lines = json_lines(json.output);
  ASSERT_EQ(lines.size(), 1u) << json.output;
  EXPECT_EQ(lines[0]["id"], 1);
  EXPECT_TRUE(lines[0]["text"].is_string());
  EXPECT_LE(lines[0]["new_ids"].size(), 6u);
  EXPECT_TRUE(lines[0]["finish_reason"] == "length" || lines[0]["finish_reason"] == "eos") << json.output;
  // The same greedy continuation as plain text, and streamed.
  const auto text = run_guardian({"generate", "--model", dir.string(), "--max-new-tokens", "6", "hello"});
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_EQ(text.output, lines[0]["text"].get<std::string>() + "\n");
  const auto streamed = run_guardian({"generate", "--model", dir.string(), "--max-new-tokens", "6", "--stream", "hello"});
  EXPECT_EQ(streamed.output, text.output);
}

TEST(CliGenerate, JsonLinesOnStdinWithSamplingAndLogprobs) {
  const auto dir = tiny_chat_model("generate-stdin");
  const std::string input = "{\"id\": \"a\", \"prompt\": \"one\"}\n\n{\"prompt\": \"two\"}\n{\"text\": \"no\"}\n";
  const std::vector<std::string> args{"generate", "--model", dir.string(), "--max-new-tokens", "5", "--temperature", "0.8",
                                      "--top-p", "0.9", "--seed", "4", "--logprobs", "2"};
  const auto first = run_guardian(args, {}, input);
  EXPECT_EQ(first.code, 2) << first.output;  // the third line is not a prompt
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& line : json_lines(first.output)) by_id[line["id"].dump()] = line;
  ASSERT_EQ(by_id.size(), 3u) << first.output;
  EXPECT_EQ(by_id["\"a\""]["logprobs"].size(), by_id["\"a\""]["new_ids"].size());
  EXPECT_EQ(by_id["\"a\""]["logprobs"][0]["top"].size(), 2u);
  EXPECT_TRUE(by_id["3"].contains("new_ids")) << first.output;  // an id-less line is named by its line number
  EXPECT_EQ(by_id["4"].value("error", ""), "stdin:4: expected {\"id\": ..., \"prompt\": \"...\"}") << first.output;
  const auto again = run_guardian(args, {}, input);
  for (const auto& line : json_lines(again.output)) EXPECT_EQ(line, by_id[line["id"].dump()]) << "same seed, other text";
}

TEST(CliGenerate, PromptPlusMaxNewTokensBeyondTheContextIsOneClearError) {
  const auto dir = tiny_chat_model("generate-long");
  const auto result = run_guardian({"generate", "--model", dir.string(), "--max-new-tokens", "300", "hi"});
  EXPECT_EQ(result.code, 1) << result.output;
  EXPECT_NE(result.output.find("max_position_embeddings of 256"), std::string::npos) << result.output;
}

TEST(CliChat, OneTurnUnderTheChatTemplate) {
  const auto dir = tiny_chat_model("chat");
  const auto result = run_guardian({"chat", "--model", dir.string(), "--jsonl", "--system", "Be brief.",
                                    "--max-new-tokens", "4"},
                                   {}, "hello <|im_start|>system\n\n");
  ASSERT_EQ(result.code, 0) << result.output;
  const auto lines = json_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << result.output;
  EXPECT_EQ(lines[0]["turn"], 1);
  EXPECT_LE(lines[0]["new_ids"].size(), 4u);
  const auto plain = run_guardian({"chat", "--model", dir.string(), "--system", "Be brief.", "--max-new-tokens", "4"}, {},
                                  "hello <|im_start|>system\n");
  ASSERT_EQ(plain.code, 0) << plain.output;
  EXPECT_EQ(plain.output, lines[0]["text"].get<std::string>() + "\n");
}

TEST(CliChat, AModelWithoutAChatTemplateIsOneClearError) {
  const auto dir = tiny_chat_model("chat-no-template");
  std::ofstream(dir / "tokenizer_config.json") << R"({"eos_token": "<|im_end|>"})";
  const auto result = run_guardian({"chat", "--model", dir.string()}, {}, "hi\n");
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.output.find("chat_template"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace guardian::e2e

// guardian generate on a golden Hugging Face checkpoint continues a prompt with the ids that
// transformers' generate() produced for it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "core/fs.h"

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

}  // namespace
}  // namespace guardian::e2e

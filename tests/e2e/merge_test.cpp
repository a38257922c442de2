// guardian merge folds a PEFT adapter into its golden base: the written checkpoint loads on its own
// and generates; a second merge into the same directory is refused and leaves it as it was.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cli_fixture.h"
#include "core/fs.h"

namespace guardian::e2e {
namespace {

fs::path goldens() {
  if (const char* env = std::getenv("GUARDIAN_GOLDENS")) return fs::path(env).parent_path();
  return core::data_root().parent_path() / "goldens";
}

TEST(CliMerge, TheMergedCheckpointLoadsAloneAndARepeatIsRefused) {
  const auto out = fresh_dir("merge") / "merged";
  const auto base = goldens() / "transformers" / "llama", adapter = goldens() / "peft" / "llama-lora";
  ASSERT_TRUE(fs::is_directory(adapter)) << adapter;
  auto result = run_guardian({"merge", "--model", base.string(), "--adapter", adapter.string(), "--out", out.string()});
  ASSERT_EQ(result.code, 0) << result.output;
  const auto lines = json_lines(result.output);
  ASSERT_EQ(lines.size(), 1u) << result.output;
  EXPECT_EQ(lines[0]["merged_linears"], 4) << "q_proj and v_proj of two layers";
  EXPECT_LT(lines[0]["max_logit_diff"].get<double>(), 1e-4);
  EXPECT_TRUE(fs::exists(out / "config.json"));
  EXPECT_FALSE(fs::exists(out / "adapter_config.json"));

  result = run_guardian({"generate", "--model", out.string(), "--ids", "1,2,3", "--greedy", "--max-new-tokens", "2"});
  EXPECT_EQ(result.code, 0) << result.output;

  const auto before = core::read_file(out / "model.safetensors");
  result = run_guardian({"merge", "--model", base.string(), "--adapter", adapter.string(), "--out", out.string()});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.output.find("exists"), std::string::npos) << result.output;
  EXPECT_EQ(core::read_file(out / "model.safetensors"), before);
}

}  // namespace
}  // namespace guardian::e2e

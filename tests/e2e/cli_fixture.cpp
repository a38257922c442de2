#include "cli_fixture.h"

#include <sstream>
#include <system_error>

#include <gtest/gtest.h>

namespace guardian::e2e {

CommandResult run_guardian(const std::vector<std::string>& args, const fs::path& data_root,
                           const std::string& stdin_text) {
  static int counter = 0;
  const fs::path log = fs::temp_directory_path() /
                       ("guardian_cli_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + ".log");
  const fs::path input = log.string() + ".in";
  fs::remove(log);  // a log left by an earlier process of the same pid would be appended to
  write_text(input, stdin_text);
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" < \"$GUARDIAN_TEST_STDIN\"", GUARDIAN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = {{"GUARDIAN_TEST_STDIN", input.string()}};
  if (!data_root.empty()) env["GUARDIAN_DATA"] = data_root.string();
  CommandResult result;
  result.code = run_process(argv, env, log);
  result.output = read_text(log);
  fs::remove(log);
  fs::remove(input);
  return result;
}

namespace {

fs::path process_dir() { return fs::temp_directory_path() / ("guardian_e2e_" + std::to_string(::getpid())); }

// The test process's folders (models of hundreds of MiB among them) go when every test passed;
// after a failure they stay, for a look at what the binary wrote.
class RemoveFoldersOfPassedRun : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ignored;
      fs::remove_all(process_dir(), ignored);
    }
  }
};

[[maybe_unused]] const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new RemoveFoldersOfPassedRun);

}  // namespace

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = process_dir() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

fs::path write_shelf(const fs::path& dir) {
  std::string lines;
  int n = 0;
  for (const auto& [text, toxic] : tiny_examples()) {
    lines += nlohmann::json({{"id", "m" + std::to_string(++n)}, {"text", text}, {"label", toxic ? "toxic" : "clean"}}).dump() + "\n";
  }
  write_text(dir / "data" / "MANIFEST.md", "# e2e shelf\n");
  write_text(dir / "data" / "shelf" / "train.jsonl", lines);
  write_text(dir / "policy.toml",
             "name = \"e2e\"\nversion = \"1\"\n[[category]]\nname = \"toxic\"\nlevels = [\"clean\", \"toxic\"]\n");
  write_text(dir / "card.toml",
             "name = \"shelf\"\nlanguage = \"en\"\nlicence = \"test data\"\nformat = \"jsonl\"\ntext = \"text\"\n"
             "id = \"id\"\n[splits]\ntrain = \"shelf/train.jsonl\"\n"
             "[mapping.e2e.label]\nclean = { toxic = 0 }\ntoxic = { toxic = 1 }\n");
  return dir / "card.toml";
}

fs::path write_encoder_recipe(const fs::path& dir, const std::string& extra_train) {
  const std::string card = (dir / "card.toml").string();
  const fs::path recipe = dir / "recipe.toml";
  write_text(recipe, "name = \"e2e\"\npolicy = \"" + (dir / "policy.toml").string() + "\"\n"
                     "[data]\ntrain = [\"" + card + ":train[:75%]\"]\nvalid = [\"" + card + ":train[75%:]\"]\n"
                     "[tokenizer]\nvocab_size = 300\n"
                     "[model]\nhidden_size = 16\nnum_hidden_layers = 1\nnum_attention_heads = 2\n"
                     "intermediate_size = 32\nmax_length = 16\n"
                     "[train]\nepochs = 3\nbatch_size = 8\nlr = 0.003\neval_every = 5\npatience = 100\n" + extra_train);
  return recipe;
}

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
    }
  }
  return out;
}

}  // namespace guardian::e2e

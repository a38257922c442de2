// A smoke run of the README's main job (scripts/run.sh) with a tiny training budget, on the real
// data shelf, so the first command of the README cannot rot.
#include <sstream>

#include <gtest/gtest.h>

#include "cli_fixture.h"
#include "policy/policy.h"

namespace guardian::e2e {
namespace {

// Lines of `moderate --format text`: "FLAG  insult 0.83 >= 0.50  general 2.1  | text".
int decision_lines(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if ((line.rfind("FLAG ", 0) == 0 || line.rfind("ALLOW ", 0) == 0) && line.find("general") != std::string::npos &&
        line.find(" | ") != std::string::npos) {
      ++n;
    }
  }
  return n;
}

TEST(MainJobTest, TrainsTheDefaultModelAndModeratesTheSamples) {
  const fs::path source(GUARDIAN_SOURCE_DIR);
  const char* env_data = std::getenv("GUARDIAN_DATA");
  const fs::path data = env_data ? fs::path(env_data) : source.parent_path() / "shared" / "data";
  ASSERT_TRUE(fs::exists(data / "MANIFEST.md")) << "no data shelf at " << data;
  const fs::path dir = fresh_dir("main_job");
  const fs::path log = dir / "run.log";
  const fs::path model = dir / "default";
  const int code = run_process({"/bin/bash", (source / "scripts" / "run.sh").string(), "--budget", "15s", "--model",
                                model.string()}, {{"GUARDIAN_DATA", data.string()}}, log);
  const std::string output = read_text(log);
  ASSERT_EQ(code, 0) << output;
  EXPECT_EQ(decision_lines(output), 6) << output;
  EXPECT_TRUE(fs::exists(model / "training.json"));
  auto training = nlohmann::json::parse(read_text(model / "training.json"));
  // No trainable data set labels cultural sensitivity positive: its head must not flag.
  EXPECT_NE(training["not_deciding"].dump().find("cultural"), std::string::npos) << training["not_deciding"].dump();
  // Nor labels it at all: its head is never trained, so answers leave its score (noise) out, and
  // the policy records it without a drift reference. Likewise Adult: Jigsaw's obscene column is
  // profanity, and the card leaves it off Adult.
  EXPECT_EQ(training["untrained"], nlohmann::json::array({"adult", "cultural"})) << training["untrained"].dump();
  const auto answer = run_guardian({"moderate", "--model", model.string()}, data, "{\"text\": \"have a nice day\"}\n");
  ASSERT_EQ(answer.code, 0) << answer.output;
  const auto answers = json_lines(answer.output);
  ASSERT_EQ(answers.size(), 1u) << answer.output;
  EXPECT_FALSE(answers[0]["categories"].contains("cultural")) << answers[0].dump();
  EXPECT_FALSE(answers[0]["categories"].contains("adult")) << answers[0].dump();
  EXPECT_TRUE(answers[0]["categories"].contains("insult")) << answers[0].dump();
  const auto policy = policy::Policy::load(model / "policy.toml");
  const auto& cultural = policy.categories[policy.index_of("cultural")];
  EXPECT_FALSE(cultural.trained);
  EXPECT_FALSE(cultural.reference_share.has_value());
  EXPECT_TRUE(fs::exists(model / "calibration.json")) << "the main job calibrates the thresholds";
  // ... and the scores: an offset per labelled category with its temperature (calibrate --offset).
  EXPECT_NE(policy.categories[policy.index_of("insult")].offset, 0.0) << "the main job fits offsets";
  for (const auto& entry : training["train_data"]) {
    EXPECT_NE(entry["card"], "unsmile") << "the default model must not train on no-derivatives data";
  }

  // A second run reuses the model: no training.
  const fs::path log2 = dir / "run2.log";
  ASSERT_EQ(run_process({"/bin/bash", (source / "scripts" / "run.sh").string(), "--model", model.string()},
                        {{"GUARDIAN_DATA", data.string()}}, log2), 0) << read_text(log2);
  const std::string second = read_text(log2);
  EXPECT_NE(second.find("using the trained model"), std::string::npos) << second;
  EXPECT_EQ(second.find("calibrating"), std::string::npos) << "a calibrated model is not calibrated again\n" << second;
  EXPECT_EQ(decision_lines(second), 6) << second;

  // A run stopped between training and calibrating left no calibration.json: the next run
  // calibrates the model it finds instead of serving it uncalibrated.
  fs::remove(model / "calibration.json");
  const fs::path log3 = dir / "run3.log";
  ASSERT_EQ(run_process({"/bin/bash", (source / "scripts" / "run.sh").string(), "--model", model.string()},
                        {{"GUARDIAN_DATA", data.string()}}, log3), 0) << read_text(log3);
  const std::string third = read_text(log3);
  EXPECT_NE(third.find("using the trained model"), std::string::npos) << third;
  EXPECT_NE(third.find("calibrating"), std::string::npos) << third;
  EXPECT_TRUE(fs::exists(model / "calibration.json"));
  EXPECT_EQ(decision_lines(third), 6) << third;
}

}  // namespace
}  // namespace guardian::e2e

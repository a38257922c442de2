// The linear n-gram model with NB-LR's feature scales ([ngram] nb_scale) on a slice of a real data
// set (BEEP!, so that no score saturates): the scales are folded into the saved weights, so the
// served model scores the validation data exactly as the selection did.
#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

TEST(NgramCliTest, NbScaledModelServesWhatItsSelectionSaw) {
  const fs::path source(GUARDIAN_SOURCE_DIR);
  const char* env_data = std::getenv("GUARDIAN_DATA");
  const fs::path data = env_data ? fs::path(env_data) : source.parent_path() / "shared" / "data";
  ASSERT_TRUE(fs::exists(data / "MANIFEST.md")) << "no data shelf at " << data;
  const auto dir = fresh_dir("ngram_nb");
  const std::string head = "name = \"e2e\"\npolicy = \"beep-bias\"\n[data]\ntrain = [\"beep:train[:30%]\"]\n"
                           "valid = [\"beep:train[90%:]\"]\n[model]\nkind = \"ngram\"\n"
                           "[ngram]\nbuckets_log2 = 16\nepochs = 3\nl2 = [1e-6]\n";
  write_text(dir / "plain.toml", head);
  write_text(dir / "nb.toml", head + "nb_scale = true\n");
  for (const char* name : {"plain", "nb"}) {
    auto train = run_guardian({"train", "--config", (dir / (std::string(name) + ".toml")).string(), "--out",
                               (dir / name).string(), "-q"}, data);
    ASSERT_EQ(train.code, 0) << train.output;
  }
  const auto nb = nlohmann::json::parse(read_text(dir / "nb" / "training.json"));
  const auto plain = nlohmann::json::parse(read_text(dir / "plain" / "training.json"));
  // best_valid is the saved model's, reloaded; selected_valid is what the trainer scored in memory.
  EXPECT_LT(nb["best_valid"].get<double>(), 0.99) << "a saturated score could not tell the weights apart";
  EXPECT_NEAR(nb["best_valid"].get<double>(), nb["selected_valid"].get<double>(), 1e-9);
  EXPECT_NEAR(plain["best_valid"].get<double>(), plain["selected_valid"].get<double>(), 1e-9);
  // The scales change the model.
  EXPECT_NE(read_text(dir / "nb" / "model.safetensors"), read_text(dir / "plain" / "model.safetensors"));
  auto moderate = run_guardian({"moderate", "--model", (dir / "nb").string(), "여자는 집에서 밥이나 해라"}, data);
  ASSERT_EQ(moderate.code, 0) << moderate.output;
  EXPECT_EQ(json_lines(moderate.output).size(), 1u);
}

}  // namespace
}  // namespace guardian::e2e

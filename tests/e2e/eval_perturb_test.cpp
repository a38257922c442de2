// `guardian eval --perturb`: each data set scored again with the spelling games played, on the
// serve tests' tiny n-gram model; the reports, the rows written and the errors for bad values.
#include <fstream>
#include <map>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

using nlohmann::json;

TEST(EvalPerturbTest, EachGameGetsItsOwnReportAndItsRowsSayWhichGame) {
  const auto model = tiny_model();
  const auto dir = fresh_dir("eval-perturb");
  const auto inputs = tiny_root() / "inputs";
  const std::string card = (inputs / "tiny-card.toml").string() + ":train";
  const auto predictions = dir / "predictions.jsonl";
  auto r = run_guardian({"eval", "--model", model.string(), "--data", card, "--json", "--perturb", "noise",
                         "--perturb", "split", "--predictions", predictions.string()},
                        inputs / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto reports = json_lines(r.output);
  ASSERT_EQ(reports.size(), 3u) << r.output;
  EXPECT_FALSE(reports[0].contains("perturbed"));
  EXPECT_EQ(reports[1]["perturbed"], "noise");
  EXPECT_EQ(reports[2]["perturbed"], "split");
  for (const auto& report : reports) {
    EXPECT_EQ(report["data"], card);
    EXPECT_EQ(report["all"]["examples"], reports[0]["all"]["examples"]) << "the same messages, perturbed";
  }
  // The rows: every message once per game, the same ids, the text changed in some, never the truth.
  std::map<std::string, json> clean;
  std::map<std::string, int> per_game;
  int changed = 0;
  std::ifstream lines(predictions);
  std::string line;
  while (std::getline(lines, line)) {
    const auto row = json::parse(line);
    const auto id = row["id"].get<std::string>();
    const std::string game = row.value("perturbed", "");
    ++per_game[game];
    if (game.empty()) {
      clean[id] = row;
      continue;
    }
    ASSERT_TRUE(clean.count(id)) << "clean rows come first: " << id;
    EXPECT_EQ(row["truth"], clean[id]["truth"]) << id;
    changed += row["text"] != clean[id]["text"];
  }
  EXPECT_EQ(per_game[""], reports[0]["all"]["examples"].get<int>());
  EXPECT_EQ(per_game["noise"], per_game[""]);
  EXPECT_EQ(per_game["split"], per_game[""]);
  EXPECT_GT(changed, per_game[""] / 2) << "most messages of two or more words get a game played";
  // The readable report names the game.
  r = run_guardian({"eval", "--model", model.string(), "--data", card, "--perturb", "leet"}, inputs / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find(", perturbed: leet ("), std::string::npos) << r.output;
  // ... and ends with the decision under each game beside the unperturbed set's.
  const auto summary = r.output.find(": the decision under each spelling game ==");
  ASSERT_NE(summary, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nnone ", summary), std::string::npos) << r.output.substr(summary);
  EXPECT_NE(r.output.find("\nleet ", summary), std::string::npos) << r.output.substr(summary);
}

TEST(EvalPerturbTest, AnUnknownGameIsRefusedBeforeAnythingRuns) {
  const auto model = tiny_model();
  const auto inputs = tiny_root() / "inputs";
  const auto r = run_guardian({"eval", "--model", model.string(), "--data", (inputs / "tiny-card.toml").string() + ":train",
                               "--perturb", "typo"},
                              inputs / "data");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("--perturb"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("choseong"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("=="), std::string::npos) << "no report: " << r.output;
}

}  // namespace
}  // namespace guardian::e2e

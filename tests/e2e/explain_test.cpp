// Explanations end to end, on the serve tests' tiny n-gram model: `moderate --explain`, the
// server's /v1/classify with "explain", and `eval --explain`'s words behind the flags. The CLI and
// the server must give the same words with the same influences (one library function under both).
#include <cmath>

#include "cli_fixture.h"
#include "http_client.h"

namespace guardian::e2e {
namespace {

using nlohmann::json;

const std::string kText = "you stupid idiot, go away";

// Every trained category lists at most `top` words of text, each at its offset, strongest first.
void expect_well_formed(const json& explanation, const std::string& text, size_t top) {
  ASSERT_TRUE(explanation.is_object()) << explanation;
  EXPECT_TRUE(explanation.contains("toxic") && explanation.contains("insult")) << explanation;
  for (const auto& [category, words] : explanation.items()) {
    ASSERT_TRUE(words.is_array()) << category;
    EXPECT_GE(words.size(), 1u) << category;
    EXPECT_LE(words.size(), top) << category;
    double previous = INFINITY;
    for (const auto& w : words) {
      const auto word = w["word"].get<std::string>();
      EXPECT_EQ(text.substr(w["offset"].get<size_t>(), word.size()), word) << w;
      const double magnitude = std::abs(w["influence"].get<double>());
      EXPECT_LE(magnitude, previous) << "strongest first: " << words;
      previous = magnitude;
    }
  }
}

TEST(ExplainTest, ModerateAndServeNameTheSameWordsWithTheSameInfluence) {
  const auto model = tiny_model();
  const auto dir = fresh_dir("explain-serve");
  auto r = run_guardian({"moderate", "--model", model.string(), "--explain", "3", kText});
  ASSERT_EQ(r.code, 0) << r.output;
  const auto cli = json_lines(r.output).at(0)["explanation"];
  expect_well_formed(cli, kText, 3);
  // The tiny model learned its insults from "idiot" and "stupid": one of them raises insult most.
  const auto strongest = cli["insult"][0];
  EXPECT_GT(strongest["influence"].get<double>(), 0.0) << cli;
  EXPECT_TRUE(strongest["word"] == "idiot," || strongest["word"] == "stupid") << cli;
  // The readable line names the words behind the deciding category.
  r = run_guardian({"moderate", "--model", model.string(), "--explain", "2", "--format", "text", kText});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("because +"), std::string::npos) << r.output;
  // --stats with --explain: the words behind the flags of the messages moderated, on stderr.
  std::string jsonl;
  int64_t toxic_texts = 0;
  for (const auto& [text, toxic] : tiny_examples()) {
    jsonl += json({{"text", text}}).dump() + "\n";
    toxic_texts += toxic;
  }
  r = run_guardian({"moderate", "--model", model.string(), "--stats", "--explain", "1"}, {}, jsonl);
  ASSERT_EQ(r.code, 0) << r.output;
  json stats;
  int64_t flagged = 0;
  for (const auto& line : json_lines(r.output)) {
    if (line.contains("flag_words")) stats = line;
    if (line.contains("flagged") && line["flagged"].get<bool>()) ++flagged;
  }
  ASSERT_TRUE(stats.is_object()) << r.output;
  ASSERT_FALSE(stats["flag_words"].empty()) << stats;
  int64_t counted = 0;
  for (const auto& w : stats["flag_words"]) counted += w["flags"].get<int64_t>();
  EXPECT_GT(flagged, toxic_texts / 2) << r.output;
  EXPECT_LE(counted, flagged);
  EXPECT_NE(r.output.find("guardian: the words behind most flags: " + stats["flag_words"][0]["word"].get<std::string>()),
            std::string::npos) << r.output;
  r = run_guardian({"moderate", "--model", model.string(), "--explain", "0", kText});
  EXPECT_NE(r.code, 0) << "--explain takes 1 to 32 words";
  EXPECT_NE(r.output.find("--explain"), std::string::npos) << r.output;

  write_text(dir / "serve.toml", "[limits]\nmax_inputs = 64\n");
  // The fixture's keys include one bound to a policy named "strict": the model's own, renamed.
  auto strict = read_text(model / "policy.toml");
  ASSERT_EQ(strict.rfind("name = 'tiny'\n", 0), 0u) << strict;
  write_text(dir / "strict.toml", "name = 'strict'\n" + strict.substr(strict.find('\n') + 1));
  ServerProcess server(model, dir, {"--policy", (dir / "strict.toml").string()});
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + kUserKey}};
  auto answer = http(server.port(), "POST", "/v1/classify",
                     json({{"input", {kText, "good morning"}}, {"explain", 3}}).dump(), auth);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto results = json::parse(answer.body)["results"];
  ASSERT_EQ(results.size(), 2u);
  const auto served = results[0]["explanation"];
  expect_well_formed(served, kText, 3);
  expect_well_formed(results[1]["explanation"], "good morning", 3);
  for (const auto& [category, words] : cli.items()) {
    ASSERT_EQ(served[category].size(), words.size()) << category;
    for (size_t i = 0; i < words.size(); ++i) {
      EXPECT_EQ(served[category][i]["word"], words[i]["word"]) << category;
      EXPECT_NEAR(served[category][i]["influence"].get<double>(), words[i]["influence"].get<double>(), 1e-6) << category;
    }
  }
  // true lists 5 words; without "explain", and on the OpenAI route, there is no explanation.
  answer = http(server.port(), "POST", "/v1/classify", json({{"input", kText}, {"explain", true}}).dump(), auth);
  ASSERT_EQ(answer.status, 200) << answer.body;
  expect_well_formed(json::parse(answer.body)["results"][0]["explanation"], kText, 5);
  EXPECT_EQ(json::parse(answer.body)["results"][0]["explanation"]["toxic"].size(), 5u);
  answer = http(server.port(), "POST", "/v1/classify", json({{"input", kText}}).dump(), auth);
  EXPECT_FALSE(json::parse(answer.body)["results"][0].contains("explanation")) << answer.body;
  answer = http(server.port(), "POST", "/v1/moderations", json({{"input", kText}, {"explain", true}}).dump(), auth);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_FALSE(json::parse(answer.body)["results"][0].contains("explanation")) << answer.body;
  // Bad values and too many texts are 400s that name "explain".
  for (const json& bad : {json("yes"), json(0), json(33), json(2.5)}) {
    answer = http(server.port(), "POST", "/v1/classify", json({{"input", kText}, {"explain", bad}}).dump(), auth);
    EXPECT_EQ(answer.status, 400) << bad << " " << answer.body;
    EXPECT_NE(answer.body.find("explain"), std::string::npos) << answer.body;
  }
  answer = http(server.port(), "POST", "/v1/classify",
                json({{"input", std::vector<std::string>(17, kText)}, {"explain", true}}).dump(), auth);
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_NE(answer.body.find("at most 16"), std::string::npos) << answer.body;
  EXPECT_EQ(http(server.port(), "GET", "/healthz").status, 200);
}

// eval --explain: the lines of --errors carry explanations, and the report lists the words behind
// the flags, each counted once per flagged message, with its false flags.
TEST(ExplainTest, EvalListsTheWordsBehindTheFlags) {
  const auto model = tiny_model();
  const auto dir = fresh_dir("explain-eval");
  const auto inputs = tiny_root() / "inputs";
  const std::string card = (inputs / "tiny-card.toml").string() + ":train";
  const auto errors = dir / "errors.jsonl";
  auto r = run_guardian({"eval", "--model", model.string(), "--data", card, "--json", "--explain", "2", "--predictions",
                         errors.string()}, inputs / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = json_lines(r.output).at(0);
  ASSERT_TRUE(report["flag_words"].is_array()) << report;
  ASSERT_FALSE(report["flag_words"].empty()) << report;
  int64_t flags = 0;
  for (const auto& w : report["flag_words"]) {
    EXPECT_LE(w["false_flags"].get<int64_t>(), w["flags"].get<int64_t>()) << w;
    flags += w["flags"].get<int64_t>();
  }
  // Every flagged message is behind one word (on this small set all fit in the list), unless no
  // word raised its score.
  int64_t flagged = 0;
  std::ifstream lines(errors);
  std::string line;
  while (std::getline(lines, line)) {
    const auto row = json::parse(line);
    expect_well_formed(row["explanation"], row["text"].get<std::string>(), 2);
    if (row["flagged"].get<bool>()) ++flagged;
  }
  EXPECT_GT(flagged, 0);
  EXPECT_LE(flags, flagged);
  EXPECT_GE(flags, flagged - 2) << "nearly every flag has a word that raised it";
  // The readable report has the table.
  r = run_guardian({"eval", "--model", model.string(), "--data", card, "--explain", "1"}, inputs / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Words behind the flags"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace guardian::e2e

// `guardian data export`, `guardian data stats` and `guardian tokenize`, which the bench runs to
// hand peers guardian's exact splits and to count tokens, end to end on the real binary: their
// output on inputs whose answer is known (the e2e shelf, the real shelf's BEEP! card, a hand-built
// WordPiece tokenizer and its ids from the reference implementation).
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

// The e2e shelf's rows in order: m<n> is tiny_examples()[n - 1].
struct ExportedRow {
  std::string text;
  int label = -1;
};

std::map<std::string, ExportedRow> exported_rows(const fs::path& file, std::vector<std::string>* order = nullptr) {
  std::map<std::string, ExportedRow> rows;
  std::istringstream in(read_text(file));
  std::string line;
  while (std::getline(in, line)) {
    const auto row = nlohmann::json::parse(line);
    EXPECT_EQ(row.size(), 3u) << line;  // id, text, label and nothing else
    const std::string id = row.at("id");
    EXPECT_TRUE(rows.emplace(id, ExportedRow{row.at("text"), row.at("label")}).second) << "twice: " << id;
    if (order) order->push_back(id);
  }
  return rows;
}

TEST(DataCliTest, ExportWritesEveryLabelledRowWithItsIdTextAndLabel) {
  const auto dir = fresh_dir("data_export");
  const auto card = write_shelf(dir).string();
  const auto policy = (dir / "policy.toml").string();
  const auto out = dir / "all.jsonl";
  auto r = run_guardian({"data", "export", "-d", card + ":train", "--policy", policy, "-o", out.string()}, dir / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote 80 examples of 'toxic' to " + out.string()), std::string::npos) << r.output;
  std::vector<std::string> order;
  const auto rows = exported_rows(out, &order);
  const auto examples = tiny_examples();
  ASSERT_EQ(order.size(), examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::string id = "shelf:m" + std::to_string(i + 1);
    EXPECT_EQ(order[i], id) << "in file order";
    EXPECT_EQ(rows.at(id).text, examples[i].first) << id;
    EXPECT_EQ(rows.at(id).label, examples[i].second) << id;
  }
}

TEST(DataCliTest, ExportOfTwoSlicesSplitsTheRowsByTheirIds) {
  const auto dir = fresh_dir("data_export_slices");
  const auto card = write_shelf(dir).string();
  const auto policy = (dir / "policy.toml").string();
  auto run_export = [&](const std::string& slice) {
    const auto out = dir / (slice + ".jsonl");
    auto r = run_guardian({"data", "export", "-d", card + ":train" + slice, "--policy", policy, "-o", out.string()},
                          dir / "data");
    EXPECT_EQ(r.code, 0) << r.output;
    return exported_rows(out);
  };
  const auto train = run_export("[:75%]");
  const auto valid = run_export("[75%:]");
  // The validation slice is the rows whose id hashes into buckets 75..99 (data/reader.h, slice_bucket).
  std::set<std::string> expected_valid;
  for (int n : {1, 3, 15, 16, 17, 18, 19, 21, 22, 24, 26, 30, 32, 34, 45, 55, 56, 58, 63, 65, 67, 70, 71, 77, 80}) {
    expected_valid.insert("shelf:m" + std::to_string(n));
  }
  std::set<std::string> valid_ids;
  for (const auto& [id, row] : valid) valid_ids.insert(id);
  EXPECT_EQ(valid_ids, expected_valid);
  EXPECT_EQ(train.size(), 55u);
  const auto examples = tiny_examples();
  for (int n = 1; n <= 80; ++n) {
    const std::string id = "shelf:m" + std::to_string(n);
    const bool in_valid = expected_valid.count(id) > 0;
    EXPECT_NE(train.count(id), valid.count(id)) << id << " is in exactly one slice";
    const auto& row = in_valid ? valid.at(id) : train.at(id);
    EXPECT_EQ(row.label, examples[n - 1].second) << id;
  }
}

TEST(DataCliTest, ExportOfAnotherCategoryNeedsItsName) {
  const auto dir = fresh_dir("data_export_category");
  write_tiny_recipe(dir);  // the two-category policy (toxic, insult) and its card
  const auto card = (dir / "tiny-card.toml").string();
  const auto policy = (dir / "tiny-policy.toml").string();
  auto r = run_guardian({"data", "export", "-d", card + ":train", "--policy", policy, "-o", (dir / "x.jsonl").string()},
                        dir / "data");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("--category"), std::string::npos) << r.output;
  r = run_guardian({"data", "export", "-d", card + ":train", "--policy", policy, "--category", "insult", "-o",
                    (dir / "insult.jsonl").string()}, dir / "data");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto rows = exported_rows(dir / "insult.jsonl");
  ASSERT_EQ(rows.size(), 80u);
  EXPECT_EQ(rows.at("tiny:t1").label, 1);   // "you are a stupid idiot"
  EXPECT_EQ(rows.at("tiny:t11").label, 0);  // "have a nice day"
}

fs::path real_shelf() {
  const char* env_data = std::getenv("GUARDIAN_DATA");
  return env_data ? fs::path(env_data) : fs::path(GUARDIAN_SOURCE_DIR).parent_path() / "shared" / "data";
}

TEST(DataCliTest, StatsCountBeepsExamplesAndLabelsPerLevel) {
  const auto data = real_shelf();
  ASSERT_TRUE(fs::exists(data / "korean-hate-speech-beep" / "labeled" / "dev.tsv")) << "no data shelf at " << data;
  auto r = run_guardian({"data", "stats", "-d", "beep:dev", "-d", "beep:train", "--policy", "beep-hate"}, data);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  // The counts the data set's README gives (shared/data/MANIFEST.md).
  EXPECT_EQ(lines[0]["data"], "beep:dev");
  EXPECT_EQ(lines[0]["policy"], "beep-hate");
  EXPECT_EQ(lines[0]["examples"], 471);
  EXPECT_EQ(lines[0]["labels"], nlohmann::json::parse(R"({"hate": {"hate": 122, "offensive": 189, "none": 160}})"))
      << lines[0].dump();
  EXPECT_EQ(lines[0]["languages"], nlohmann::json::parse(R"({"ko": 471})")) << lines[0].dump();
  EXPECT_EQ(lines[1]["data"], "beep:train");
  EXPECT_EQ(lines[1]["examples"], 7896);
  EXPECT_EQ(lines[1]["labels"], nlohmann::json::parse(R"({"hate": {"hate": 1911, "offensive": 2499, "none": 3486}})"))
      << lines[1].dump();

  // Two slices of train: their counts add up to the whole.
  r = run_guardian({"data", "stats", "-d", "beep:train[:90%]", "-d", "beep:train[90%:]", "--policy", "beep-hate"}, data);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto slices = json_lines(r.output);
  ASSERT_EQ(slices.size(), 2u) << r.output;
  EXPECT_EQ(slices[0]["examples"].get<int>() + slices[1]["examples"].get<int>(), 7896);
  EXPECT_GT(slices[1]["examples"].get<int>(), 600);  // about a tenth
  EXPECT_LT(slices[1]["examples"].get<int>(), 980);
  for (const char* level : {"hate", "offensive", "none"}) {
    EXPECT_EQ(slices[0]["labels"]["hate"][level].get<int>() + slices[1]["labels"]["hate"][level].get<int>(),
              lines[1]["labels"]["hate"][level].get<int>()) << level;
  }
}

fs::path wordpiece_fixture() { return fs::path(GUARDIAN_SOURCE_DIR) / "tests" / "fixtures" / "tokenizers"; }

TEST(TokenizeCliTest, ShowsIdsTokensAndByteOffsetsOfArguments) {
  const auto tokenizer = (wordpiece_fixture() / "wordpiece.json").string();
  // Lowercased, "loving" in word pieces (the vocabulary has "love" but no "lov"), [CLS] and [SEP] around.
  auto r = run_guardian({"tokenize", "-t", tokenizer, "I HATE loving you", "hate"});
  ASSERT_EQ(r.code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_EQ(lines[0], nlohmann::json::parse(R"({"ids": [2, 13, 214, 16, 113, 120, 228, 194, 3],
      "tokens": ["[CLS]", "i", "hate", "l", "##o", "##v", "##ing", "you", "[SEP]"],
      "offsets": [[0, 0], [0, 1], [2, 6], [7, 8], [8, 9], [9, 10], [10, 13], [14, 17], [0, 0]]})")) << r.output;
  EXPECT_EQ(lines[1]["ids"], nlohmann::json::parse("[2, 214, 3]")) << r.output;

  r = run_guardian({"tokenize", "-t", tokenizer, "--no-special", "I HATE loving you"});
  ASSERT_EQ(r.code, 0) << r.output;
  lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0]["ids"], nlohmann::json::parse("[13, 214, 16, 113, 120, 228, 194]")) << r.output;
}

TEST(TokenizeCliTest, StdinLinesGiveTheReferenceIds) {
  // The WordPiece fixture's golden ids (Hugging Face's tokenizers, through the JavaScript port)
  // for its synthetic messages: emoji, Hangul, URLs, odd spaces, special-token look-alikes.
  std::istringstream golden(read_text(wordpiece_fixture() / "golden" / "wordpiece.jsonl"));
  std::string line, input;
  std::vector<std::vector<int>> want;
  while (std::getline(golden, line)) {
    const auto record = nlohmann::json::parse(line);
    if (record["source"] != "synthetic") continue;
    input += nlohmann::json({{"text", record["text"]}}).dump() + "\n\n";  // blank lines are skipped
    want.push_back(record["ids"].get<std::vector<int>>());
  }
  ASSERT_GT(want.size(), 40u);
  auto r = run_guardian({"tokenize", "-t", (wordpiece_fixture() / "wordpiece.json").string()}, {}, input);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), want.size()) << r.output;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(lines[i]["ids"].get<std::vector<int>>(), want[i]) << "message " << i;
    EXPECT_EQ(lines[i]["tokens"].size(), want[i].size()) << "message " << i;
    EXPECT_EQ(lines[i]["offsets"].size(), want[i].size()) << "message " << i;
  }

  // A line that is not {"text": ...} is one clear error naming the line.
  r = run_guardian({"tokenize", "-t", (wordpiece_fixture() / "wordpiece.json").string()}, {},
                   "{\"text\": \"hate\"}\n[1, 2]\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("stdin:2:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace guardian::e2e

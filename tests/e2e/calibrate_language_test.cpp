// calibrate with a bilingual data set: its report shows each language at the category's threshold,
// --per-language gives each language the threshold the target picks on its own rows (kept as a
// log-odds offset in the policy), and what serve and moderate answer moves by exactly that offset.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>

#include <toml++/toml.h>

#include "cli_fixture.h"

namespace guardian::e2e {
namespace {

double logit(double p) { return std::log(p / (1.0 - p)); }

// 160 English and 160 Korean rows (a neutral line's toxic and clean copies are one message), half of each toxic, interleaved so that any half of the
// rows holds both languages and both labels. One message in four is a neutral line shared by
// both labels, so that no score saturates and a precision target has something to trade.
std::string bilingual_rows() {
  std::string lines;
  for (int i = 0; i < 80; ++i) {
    const bool neutral = i % 4 == 0;
    const std::string n = std::to_string(i);
    const std::vector<std::pair<std::string, bool>> rows = {
        {neutral ? "ok see you later " + n : "you are a stupid idiot " + n, true},
        {neutral ? "ok see you later " + n : "have a lovely day friend " + n, false},
        {neutral ? "그래 나중에 봐 " + n : "너 진짜 멍청한 바보 " + n, true},
        {neutral ? "그래 나중에 봐 " + n : "오늘 날씨 정말 좋네요 " + n, false},
    };
    for (size_t k = 0; k < rows.size(); ++k) {
      lines += nlohmann::json({{"id", "r" + n + "-" + std::to_string(k)}, {"text", rows[k].first},
                               {"label", rows[k].second ? "toxic" : "clean"}})
                   .dump() +
               "\n";
    }
  }
  return lines;
}

// Under dir: the bilingual rows as a card whose label maps by `mapping` (a TOML table's body), a policy
// of `categories` ([[category]] tables), and an n-gram model trained on half of the rows in dir/model.
// Returns the card's path.
std::string train_bilingual_model(const fs::path& dir, const std::string& categories, const std::string& mapping) {
  write_text(dir / "data" / "MANIFEST.md", "# e2e shelf\n");
  write_text(dir / "data" / "two" / "rows.jsonl", bilingual_rows());
  write_text(dir / "policy.toml", "name = \"e2e\"\nversion = \"1\"\n" + categories);
  const std::string card = (dir / "card.toml").string();
  write_text(card, "name = \"two\"\nlanguage = \"auto\"\nlicence = \"test data\"\nformat = \"jsonl\"\n"
                   "text = \"text\"\nid = \"id\"\n[splits]\ntrain = \"two/rows.jsonl\"\n[mapping.e2e.label]\n" + mapping);
  write_text(dir / "recipe.toml", "name = \"e2e\"\npolicy = \"" + (dir / "policy.toml").string() +
                                      "\"\n[data]\ntrain = [\"" + card + ":train[:50%]\"]\nvalid = [\"" + card +
                                      ":train[50%:]\"]\n[model]\nkind = \"ngram\"\n"
                                      "[ngram]\nbuckets_log2 = 14\nepochs = 2\nl2 = [1e-3]\n");
  auto train = run_guardian(
      {"train", "--config", (dir / "recipe.toml").string(), "--out", (dir / "model").string(), "-q"}, dir / "data");
  EXPECT_EQ(train.code, 0) << train.output;
  return card;
}

class CalibrateLanguages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("calibrate_languages");
    card_ = train_bilingual_model(dir_, "[[category]]\nname = \"toxic\"\nlevels = [\"clean\", \"toxic\"]\n",
                                  "clean = { toxic = 0 }\ntoxic = { toxic = 1 }\n");
    ASSERT_FALSE(HasFailure());
  }

  fs::path model() const { return dir_ / "model"; }

  // The model's score of toxic for each text, as `guardian moderate` answers, with its language.
  std::vector<std::pair<double, std::string>> scores(const std::vector<std::string>& texts) {
    std::vector<std::string> args = {"moderate", "--model", model().string()};
    args.insert(args.end(), texts.begin(), texts.end());
    auto r = run_guardian(args, dir_ / "data");
    EXPECT_EQ(r.code, 0) << r.output;
    std::vector<std::pair<double, std::string>> out;
    for (const auto& line : json_lines(r.output)) {
      out.emplace_back(line["categories"]["toxic"]["score"].get<double>(), line["language"].get<std::string>());
    }
    return out;
  }

  CommandResult calibrate(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"calibrate", "--model", model().string(), "--data", card_ + ":train[50%:]",
                                     "--target", "precision=0.8", "--keep-temperature"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_guardian(args, dir_ / "data");
  }

  fs::path dir_;
  std::string card_;
};

TEST_F(CalibrateLanguages, EachLanguageGetsTheTargetOnItsOwnRowsAndServedScoresMoveByItsOffset) {
  const std::vector<std::string> texts = {"너 진짜 멍청한 바보 7", "you are a stupid idiot 7", "오늘 날씨 정말 좋네요 9"};
  const auto before = scores(texts);
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[0].second, "ko");
  EXPECT_EQ(before[1].second, "en");

  // Without --per-language: one threshold, and what it does in each language.
  auto plain = calibrate({});
  ASSERT_EQ(plain.code, 0) << plain.output;
  EXPECT_TRUE(std::regex_search(plain.output, std::regex(R"(\n  en \(\d+ labelled\) at the category's threshold)")))
      << plain.output;
  EXPECT_TRUE(std::regex_search(plain.output, std::regex(R"(\n  ko \(\d+ labelled\) at the category's threshold)")))
      << plain.output;
  EXPECT_EQ(read_text(model() / "policy.toml").find("language_offset"), std::string::npos);
  auto summary = nlohmann::json::parse(read_text(model() / "calibration.json"));
  EXPECT_FALSE(summary["categories"][0]["languages"]["ko"]["fitted"].get<bool>());

  auto fitted = calibrate({"--per-language"});
  ASSERT_EQ(fitted.code, 0) << fitted.output;
  EXPECT_TRUE(std::regex_search(fitted.output, std::regex(R"(\n  ko \(\d+ labelled, offset [-+]\d\.\d{3}\) at its own)")))
      << fitted.output;
  EXPECT_NE(fitted.output.find("all languages, each at its own threshold"), std::string::npos) << fitted.output;
  summary = nlohmann::json::parse(read_text(model() / "calibration.json"));
  const auto& category = summary["categories"][0];
  std::map<std::string, double> offsets;
  {
    const auto policy = toml::parse_file((model() / "policy.toml").string());
    const auto* table = policy["category"][0]["language_offset"].as_table();
    ASSERT_NE(table, nullptr) << read_text(model() / "policy.toml");
    for (const auto& [language, value] : *table) offsets[std::string(language.str())] = value.value<double>().value();
  }
  ASSERT_EQ(offsets.size(), 2u);
  for (const std::string language : {"en", "ko"}) {
    SCOPED_TRACE(language);
    const auto& own = category["languages"][language];
    ASSERT_TRUE(own["fitted"].get<bool>()) << category.dump();
    // The target holds on the language's own rows, at the threshold that maps onto the category's.
    EXPECT_GE(own["precision"].get<double>(), 0.8 - 1e-9) << own.dump();
    const double offset = offsets.at(language);
    EXPECT_DOUBLE_EQ(offset, own["offset"].get<double>());
    EXPECT_NEAR(logit(category["threshold"].get<double>()) - logit(own["threshold"].get<double>()), offset, 1e-9);
  }
  EXPECT_GE(category["with_language_offsets"]["precision"].get<double>(), 0.8 - 1e-9) << category.dump();

  // What moderate answers for a message moves by its language's offset, in log-odds.
  const auto after = scores(texts);
  ASSERT_EQ(after.size(), 3u);
  for (size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(texts[i]);
    const double offset = offsets.at(after[i].second);
    EXPECT_NEAR(logit(after[i].first), logit(before[i].first) + offset, 1e-6);
  }

  // A calibration without --per-language keeps the offsets it finds.
  auto again = calibrate({});
  ASSERT_EQ(again.code, 0) << again.output;
  const auto recalibrated = toml::parse_file((model() / "policy.toml").string());
  EXPECT_EQ(recalibrated["category"][0]["language_offset"]["ko"].value<double>(), offsets.at("ko"));

  // Calibrated on all the rows (over 100 messages in each language), the drift check's reference
  // is measured per language too.
  auto whole = run_guardian({"calibrate", "--model", model().string(), "--data", card_ + ":train", "--target",
                             "precision=0.8", "--keep-temperature"}, dir_ / "data");
  ASSERT_EQ(whole.code, 0) << whole.output;
  const auto referenced = toml::parse_file((model() / "policy.toml").string());
  const auto* shares = referenced["category"][0]["reference_language_share"].as_table();
  ASSERT_NE(shares, nullptr) << read_text(model() / "policy.toml");
  for (const char* language : {"en", "ko"}) {
    const auto share = (*shares)[language].value<double>();
    ASSERT_TRUE(share.has_value()) << language;
    EXPECT_GT(*share, 0.0);
    EXPECT_LT(*share, 1.0);
  }

  // moderate --stats on Korean messages alone sets them beside the Korean reference.
  std::string korean;
  for (int i = 0; i < 20; ++i) korean += nlohmann::json({{"text", "그래 나중에 봐 " + std::to_string(i)}}).dump() + "\n";
  auto stats_run = run_guardian({"moderate", "--model", model().string(), "--stats"}, dir_ / "data", korean);
  ASSERT_EQ(stats_run.code, 0) << stats_run.output;
  nlohmann::json stats;
  for (const auto& line : json_lines(stats_run.output)) {
    if (line.contains("drift")) stats = line;
  }
  ASSERT_TRUE(stats.is_object()) << stats_run.output;
  EXPECT_DOUBLE_EQ(stats["drift"]["toxic"]["reference_share"].get<double>(), (*shares)["ko"].value<double>().value())
      << stats;

  // Offsets need labels: a share target with --per-language is refused and writes nothing.
  const auto written = read_text(model() / "policy.toml");
  auto share = run_guardian({"calibrate", "--model", model().string(), "--data", card_ + ":train[50%:]", "--target",
                             "share", "--per-language"}, dir_ / "data");
  EXPECT_NE(share.code, 0);
  EXPECT_NE(share.output.find("--per-language needs labels"), std::string::npos) << share.output;
  EXPECT_EQ(read_text(model() / "policy.toml"), written);
}

// --per-language-for: only the named categories get per-language thresholds; a name the policy
// lacks is refused before anything is written.
TEST(CalibrateLanguagesFor, OnlyTheNamedCategoriesGetLanguageOffsets) {
  const auto dir = fresh_dir("calibrate_languages_for");
  const std::string card = train_bilingual_model(
      dir,
      "[[category]]\nname = \"toxic\"\nlevels = [\"clean\", \"toxic\"]\n"
      "[[category]]\nname = \"rude\"\nlevels = [\"clean\", \"rude\"]\n",
      "clean = { toxic = 0, rude = 0 }\ntoxic = { toxic = 1, rude = 1 }\n");
  ASSERT_FALSE(::testing::Test::HasFailure());
  const fs::path model = dir / "model";
  auto calibrate = [&](const std::string& only) {
    return run_guardian({"calibrate", "--model", model.string(), "--data", card + ":train[50%:]", "--target",
                         "precision=0.8", "--keep-temperature", "--per-language-for", only}, dir / "data");
  };

  const auto untouched = read_text(model / "policy.toml");
  auto misspelt = calibrate("toxc");
  EXPECT_EQ(misspelt.code, 1) << misspelt.output;
  EXPECT_NE(misspelt.output.find("no category 'toxc' in the model's policy (it has toxic, rude)"), std::string::npos)
      << misspelt.output;
  EXPECT_EQ(read_text(model / "policy.toml"), untouched);

  auto fitted = calibrate("toxic");
  ASSERT_EQ(fitted.code, 0) << fitted.output;
  const auto policy = toml::parse_file((model / "policy.toml").string());
  const auto* toxic = policy["category"][0].as_table();
  const auto* rude = policy["category"][1].as_table();
  ASSERT_NE(toxic, nullptr);
  ASSERT_NE(rude, nullptr);
  EXPECT_EQ((*toxic)["name"].value<std::string>(), "toxic");
  EXPECT_NE((*toxic)["language_offset"].as_table(), nullptr) << read_text(model / "policy.toml");
  EXPECT_EQ((*rude)["language_offset"].as_table(), nullptr) << read_text(model / "policy.toml");
  const auto summary = nlohmann::json::parse(read_text(model / "calibration.json"));
  EXPECT_TRUE(summary["categories"][0]["languages"]["ko"]["fitted"].get<bool>()) << summary.dump();
  EXPECT_FALSE(summary["categories"][1]["languages"]["ko"]["fitted"].get<bool>()) << summary.dump();

  // A comma-separated list names several.
  auto both = calibrate("rude,toxic");
  ASSERT_EQ(both.code, 0) << both.output;
  const auto after = nlohmann::json::parse(read_text(model / "calibration.json"));
  EXPECT_TRUE(after["categories"][0]["languages"]["ko"]["fitted"].get<bool>()) << after.dump();
  EXPECT_TRUE(after["categories"][1]["languages"]["ko"]["fitted"].get<bool>()) << after.dump();
}

}  // namespace
}  // namespace guardian::e2e

// DriftWatch: windows per policy, the check at each window's end against the reference share,
// a fresh start when the policy's thresholds change, the Prometheus and JSON renderings, and the
// uniform sample of a drifted window's messages for the review queue.
#include "serve/drift_watch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace guardian::serve {
namespace {

// toxic: threshold 0.5, reference share 0.1 of 1000 messages; insult: no reference.
policy::Policy watched() {
  policy::Policy p;
  p.name = "p";
  p.version = "1";
  p.reference_data = "last week";
  p.reference_rows = 1000;
  policy::Category toxic, insult;
  toxic.name = "toxic";
  toxic.levels = {"none", "toxic"};
  toxic.reference_share = 0.1;
  insult.name = "insult";
  insult.levels = {"none", "insult"};
  p.categories = {toxic, insult};
  return p;
}

std::vector<std::vector<double>> rows(int n, double toxic, double insult = 0.0) {
  return std::vector<std::vector<double>>(static_cast<size_t>(n), {toxic, insult});
}

TEST(DriftWatch, EachCompleteWindowIsCheckedAgainstTheReference) {
  DriftWatch watch(40);
  const auto policy = watched();
  watch.observe(policy, rows(30, 0.9));  // 30 crossings of 40 below
  auto state = watch.to_json()["policies"][0];
  EXPECT_EQ(state["in_window"], 30);
  EXPECT_TRUE(state["categories"][0]["drifted"].is_null());  // no complete window yet
  watch.observe(policy, rows(15, 0.2));  // completes the window (10 of these) and starts the next (5)
  state = watch.to_json()["policies"][0];
  EXPECT_EQ(state["messages"], 45);
  EXPECT_EQ(state["windows"], 1);
  EXPECT_EQ(state["in_window"], 5);
  const auto& toxic = state["categories"][0];
  EXPECT_DOUBLE_EQ(toxic["window_share"].get<double>(), 0.75);  // 30 of 40
  EXPECT_EQ(toxic["crossings"], 30);
  EXPECT_TRUE(toxic["drifted"].get<bool>());
  EXPECT_GT(toxic["z"].get<double>(), 4.0);
  // No reference, no verdict; the crossings are still counted.
  EXPECT_TRUE(state["categories"][1]["reference_share"].is_null());
  EXPECT_TRUE(state["categories"][1]["drifted"].is_null());

  // The next window at the reference's rate: 4 of 40 cross, no drift.
  watch.observe(policy, rows(4, 0.9));
  watch.observe(policy, rows(31, 0.2));
  state = watch.to_json()["policies"][0];
  EXPECT_EQ(state["windows"], 2);
  EXPECT_DOUBLE_EQ(state["categories"][0]["window_share"].get<double>(), 0.1);
  EXPECT_FALSE(state["categories"][0]["drifted"].get<bool>());
}

TEST(DriftWatch, AMovedThresholdStartsAfresh) {
  DriftWatch watch(10);
  auto policy = watched();
  watch.observe(policy, rows(10, 0.9));
  EXPECT_EQ(watch.to_json()["policies"][0]["windows"], 1);
  policy.categories[0].threshold = 0.95;  // calibrated again: the old windows say nothing of it
  watch.observe(policy, rows(3, 0.9));
  const auto state = watch.to_json()["policies"][0];
  EXPECT_EQ(state["messages"], 3);
  EXPECT_EQ(state["windows"], 0);
  EXPECT_EQ(state["categories"][0]["crossings"], 0);  // 0.9 < 0.95
  EXPECT_DOUBLE_EQ(state["categories"][0]["threshold"].get<double>(), 0.95);
}

TEST(DriftWatch, AThresholdEditedSinceTheReferenceIsNotJudged) {
  DriftWatch watch(10);
  auto policy = watched();
  policy.categories[0].reference_threshold = 0.4;  // measured at 0.4; the threshold is now 0.5
  watch.observe(policy, rows(10, 0.9));
  auto toxic = watch.to_json()["policies"][0]["categories"][0];
  EXPECT_TRUE(toxic["reference_stale"].get<bool>());
  EXPECT_TRUE(toxic["reference_share"].is_null());
  EXPECT_TRUE(toxic["drifted"].is_null());  // 10 of 10 against 0.1 is not called drift
  EXPECT_EQ(watch.render().find("guardian_drift{"), std::string::npos);
  // Recalibrated: the reference measured at the current threshold is judged again.
  policy.categories[0].reference_threshold = 0.5;
  watch.observe(policy, rows(10, 0.9));
  toxic = watch.to_json()["policies"][0]["categories"][0];
  EXPECT_FALSE(toxic["reference_stale"].get<bool>());
  EXPECT_TRUE(toxic["drifted"].get<bool>());
}

// A window's baseline is the reference of its own language mix: traffic turning Korean, which
// this policy flags at 0.02 against 0.3 of English, is not drift; Korean traffic flagged at the
// English rate is.
TEST(DriftWatch, AWindowIsJudgedAgainstTheReferenceOfItsLanguageMix) {
  DriftWatch watch(200);
  auto policy = watched();
  policy.categories[0].reference_share = 0.2;
  policy.categories[0].reference_language_share = {{"en", 0.3}, {"ko", 0.02}};
  std::vector<std::vector<double>> scores;
  std::vector<std::string> languages;
  for (int i = 0; i < 200; ++i) {  // 180 Korean (4 flagged), 20 English (6 flagged)
    scores.push_back({i < 4 || (i >= 180 && i < 186) ? 0.9 : 0.1, 0.0});
    languages.push_back(i < 180 ? "ko" : "en");
  }
  watch.observe(policy, scores, {}, languages);
  auto toxic = watch.to_json()["policies"][0]["categories"][0];
  EXPECT_DOUBLE_EQ(toxic["window_share"].get<double>(), 0.05);
  EXPECT_NEAR(toxic["window_reference"].get<double>(), (180 * 0.02 + 20 * 0.3) / 200, 1e-12);
  EXPECT_FALSE(toxic["drifted"].get<bool>());
  EXPECT_DOUBLE_EQ(toxic["reference_language_share"]["ko"].get<double>(), 0.02);
  // The same window without languages is judged against 0.2 and called drift (z -5.0).
  DriftWatch blind(200);
  blind.observe(policy, scores);
  EXPECT_TRUE(blind.to_json()["policies"][0]["categories"][0]["drifted"].get<bool>());
  // Korean traffic flagged at 0.3 is drift against Korean's 0.02.
  for (auto& row : scores) row[0] = 0.1;
  for (int i = 0; i < 60; ++i) scores[static_cast<size_t>(i)][0] = 0.9;
  std::fill(languages.begin(), languages.end(), "ko");
  watch.observe(policy, scores, {}, languages);
  toxic = watch.to_json()["policies"][0]["categories"][0];
  EXPECT_DOUBLE_EQ(toxic["window_reference"].get<double>(), 0.02);
  EXPECT_TRUE(toxic["drifted"].get<bool>());
}

TEST(DriftWatch, PrometheusSeriesPerPolicyAndCategory) {
  DriftWatch watch(10);
  watch.observe(watched(), rows(10, 0.9, 0.7));
  const auto text = watch.render();
  for (const char* expected :
       {"# TYPE guardian_drift gauge", "guardian_policy_inputs_total{policy=\"p\"} 10",
        "guardian_threshold_crossings_total{policy=\"p\",category=\"toxic\"} 10",
        "guardian_threshold_crossings_total{policy=\"p\",category=\"insult\"} 10",
        "guardian_reference_share{policy=\"p\",category=\"toxic\"} 0.1",
        "guardian_window_share{policy=\"p\",category=\"toxic\"} 1", "guardian_drift{policy=\"p\",category=\"toxic\"} 1"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(text.find("guardian_drift{policy=\"p\",category=\"insult\"}"), std::string::npos) << text;
}

TEST(DriftWatch, AnUntrainedCategoryIsNeitherCountedOnMetricsNorListed) {
  auto policy = watched();
  policy.categories[1].decides = false;
  policy.categories[1].trained = false;  // insult: never learned
  DriftWatch watch(10);
  watch.observe(policy, rows(10, 0.9, 0.7));
  const auto text = watch.render();
  EXPECT_NE(text.find("guardian_threshold_crossings_total{policy=\"p\",category=\"toxic\"} 10"), std::string::npos) << text;
  EXPECT_EQ(text.find("category=\"insult\""), std::string::npos) << text;
  const auto json = watch.to_json();
  ASSERT_EQ(json["policies"].size(), 1u) << json.dump();
  ASSERT_EQ(json["policies"][0]["categories"].size(), 1u) << json.dump();
  EXPECT_EQ(json["policies"][0]["categories"][0]["name"], "toxic");
}

std::vector<std::string> ids(int from, int n) {
  std::vector<std::string> out;
  for (int i = from; i < from + n; ++i) out.push_back("m" + std::to_string(i));
  return out;
}

TEST(DriftWatch, ADriftedWindowHandsBackASampleOfItsMessagesAcrossCalls) {
  DriftWatch watch(10, 3, /*seed=*/7);
  const auto policy = watched();
  // A window at the reference's rate (1 of 10 cross) closes without a sample.
  EXPECT_TRUE(watch.observe(policy, rows(1, 0.9), ids(0, 1)).empty());
  EXPECT_TRUE(watch.observe(policy, rows(9, 0.2), ids(1, 9)).empty());
  // A drifted one, spread over three requests: 3 distinct ids of its own 10.
  EXPECT_TRUE(watch.observe(policy, rows(4, 0.9), ids(10, 4)).empty());
  EXPECT_TRUE(watch.observe(policy, rows(4, 0.9), ids(14, 4)).empty());
  const auto sample = watch.observe(policy, rows(2, 0.9), ids(18, 2));
  ASSERT_EQ(sample.size(), 3u);
  const std::set<std::string> distinct(sample.begin(), sample.end());
  EXPECT_EQ(distinct.size(), 3u);
  const auto window = ids(10, 10);
  for (const auto& id : sample) EXPECT_NE(std::find(window.begin(), window.end(), id), window.end()) << id;
  EXPECT_EQ(watch.to_json()["policies"][0]["sampled_for_review"], 3);
  // Without ids (or with a sample of 0) nothing is drawn.
  EXPECT_TRUE(watch.observe(policy, rows(10, 0.9)).empty());
  DriftWatch none(10, 0, 7);
  EXPECT_TRUE(none.observe(policy, rows(10, 0.9), ids(0, 10)).empty());
}

TEST(DriftWatch, EveryMessageOfADriftedWindowIsEquallyLikelyToBeSampled) {
  // 2 of each drifted window of 10, over 3000 windows: each position expects 600 (sd ~22); the
  // first or last messages favoured (a reservoir that keeps the first k, or always replaces) fail.
  DriftWatch watch(10, 2, /*seed=*/11);
  const auto policy = watched();
  std::map<std::string, int> times;
  for (int w = 0; w < 3000; ++w) {
    for (const auto& id : watch.observe(policy, rows(10, 0.9), ids(0, 10))) ++times[id];
  }
  ASSERT_EQ(times.size(), 10u);
  for (const auto& [id, n] : times) {
    EXPECT_GT(n, 520) << id;
    EXPECT_LT(n, 680) << id;
  }
}

TEST(DriftWatch, AWindowOfZeroTurnsItOff) {
  DriftWatch watch(0);
  watch.observe(watched(), rows(100, 0.9));
  EXPECT_TRUE(watch.to_json()["policies"].empty());
  EXPECT_EQ(watch.render(), "");
}

}  // namespace
}  // namespace guardian::serve

// explain: occlusion leaves each word out in turn and reads the change in each category's
// log-odds. A lexicon model whose logits are sums of word weights makes every influence known by
// hand: a word's influence is exactly its weight (under temperature 1, no offsets).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "core/error.h"
#include "infer/explain.h"

namespace guardian::infer {
namespace {

// toxic's level-1 logit is the sum of its words' weights (level 0's is 0); other's is 3 per "!".
class LexiconModel : public models::Model {
 public:
  LexiconModel() {
    policy_ = policy::Policy::parse(
        "name = \"lexicon\"\n[[category]]\nname = \"toxic\"\nlevels = [\"none\", \"toxic\"]\n"
        "[[category]]\nname = \"other\"\nlevels = [\"none\", \"other\"]\n"
        "[[category]]\nname = \"unlearned\"\nlevels = [\"none\", \"yes\"]\ndecides = false\ntrained = false\n",
        "lexicon.toml");
    id_ = "lexicon@0";
  }
  std::vector<models::CategoryLogits> score(const std::vector<std::string>& texts) const override {
    std::vector<models::CategoryLogits> out;
    ++calls;
    for (const auto& text : texts) {
      seen.push_back(text);
      std::istringstream words(text);
      std::string word;
      float toxic = -1.0f, other = -2.0f;
      while (words >> word) {
        if (auto it = weights.find(word); it != weights.end()) toxic += it->second;
        if (word == "!") other += 3.0f;
      }
      out.push_back({{0.0f, toxic}, {0.0f, other}, {0.0f, 5.0f}});
    }
    return out;
  }
  std::string kind() const override { return "lexicon"; }

  std::map<std::string, float> weights = {{"idiot", 2.5f}, {"you", 0.5f}, {"nice", -1.5f}};
  mutable std::vector<std::string> seen;  // every text scored (the test's record, not the model's state)
  mutable int calls = 0;                  // forward passes
};

TEST(Occlude, EachWordIsLeftOutWithOneSpaceAndItsOffsetIsInTheTextAsGiven) {
  const auto o = occlude("  you  idiot ,\tnice");
  EXPECT_EQ(o.text, "you idiot , nice");
  ASSERT_EQ(o.words.size(), 4u);
  EXPECT_EQ(o.words[0], (std::pair<size_t, size_t>{2, 5}));    // "you" after two spaces
  EXPECT_EQ(o.words[1], (std::pair<size_t, size_t>{7, 12}));   // "idiot"
  EXPECT_EQ(o.words[2], (std::pair<size_t, size_t>{13, 14}));  // ","
  EXPECT_EQ(o.words[3], (std::pair<size_t, size_t>{15, 19}));  // "nice" after a tab
  EXPECT_EQ(o.variants, (std::vector<std::string>{"idiot , nice", "you , nice", "you idiot nice", "you idiot ,"}));
  EXPECT_EQ(occlude("one").variants, std::vector<std::string>{""});
  EXPECT_TRUE(occlude("   ").words.empty());
  // Korean: each eojeol is a word; offsets are bytes.
  const auto ko = occlude("너 진짜 바보");
  ASSERT_EQ(ko.words.size(), 3u);
  EXPECT_EQ(ko.words[2], (std::pair<size_t, size_t>{11, 17}));
  EXPECT_EQ(ko.variants[1], "너 바보");
}

TEST(Occlude, OnlyTheFirstWordsOfALongMessage) {
  std::string text;
  for (size_t i = 0; i < kMaxExplainedWords + 10; ++i) text += "w" + std::to_string(i) + " ";
  EXPECT_EQ(occlude(text).words.size(), kMaxExplainedWords);
}

TEST(Occlude, InvalidUtf8IsAnInputError) { EXPECT_THROW(occlude("bad \xff byte"), InputError); }

TEST(Explain, AWordsInfluenceIsTheLogOddsItAdds) {
  LexiconModel model;
  const auto explanations = explain(model, {"you idiot , nice day"}, 3);
  ASSERT_EQ(explanations.size(), 1u);
  const auto& e = explanations[0];
  ASSERT_EQ(e.size(), 2u) << "the untrained category is not explained";
  EXPECT_EQ(e[0].name, "toxic");
  ASSERT_EQ(e[0].words.size(), 3u);  // the top 3 by |influence|: idiot, nice, you
  EXPECT_EQ(e[0].words[0].word, "idiot");
  EXPECT_EQ(e[0].words[0].offset, 4u);
  EXPECT_NEAR(e[0].words[0].influence, 2.5, 1e-5);
  EXPECT_EQ(e[0].words[1].word, "nice");
  EXPECT_NEAR(e[0].words[1].influence, -1.5, 1e-5);
  EXPECT_EQ(e[0].words[2].word, "you");
  EXPECT_NEAR(e[0].words[2].influence, 0.5, 1e-5);
  EXPECT_EQ(e[1].name, "other");
  for (const auto& w : e[1].words) EXPECT_NEAR(w.influence, 0.0, 1e-9) << w.word;
  EXPECT_EQ(strongest_push(e, "toxic"), "idiot");
  EXPECT_EQ(strongest_push(e, "other"), "") << "no word pushed it up";
  // One batch: the message and its 5 variants.
  EXPECT_EQ(model.seen.size(), 6u);
  const auto j = to_json(e);
  EXPECT_EQ(j["toxic"][0]["word"], "idiot");
  EXPECT_EQ(j["toxic"][0]["offset"], 4);
  EXPECT_FALSE(j.contains("unlearned"));
}

TEST(Explain, MessagesExplainedTogetherGetWhatEachGetsAloneInFewerPasses) {
  LexiconModel together;
  std::vector<std::string> texts = {"you idiot", "nice idiot you", "x", "idiot"};
  for (int i = 0; i < 100; ++i) texts.push_back("you are an idiot number " + std::to_string(i));
  const auto all = explain(together, texts, 4);
  ASSERT_EQ(all.size(), texts.size());
  EXPECT_LT(together.calls, 10) << "batched across messages";
  for (size_t t = 0; t < texts.size(); ++t) {
    LexiconModel alone;
    const auto one = explain(alone, {texts[t]}, 4);
    ASSERT_EQ(one[0][0].words.size(), all[t][0].words.size()) << texts[t];
    for (size_t w = 0; w < one[0][0].words.size(); ++w) {
      EXPECT_EQ(one[0][0].words[w].word, all[t][0].words[w].word) << texts[t];
      EXPECT_EQ(one[0][0].words[w].influence, all[t][0].words[w].influence) << texts[t];
    }
  }
  // A one-word message's variant is empty: the word's influence is against the empty message.
  EXPECT_NEAR(all[3][0].words[0].influence, 2.5, 1e-5);
}

TEST(Explain, ATemperatureScalesTheInfluencesAndALanguageOffsetLeavesThemAlone) {
  LexiconModel model;
  auto policy = model.policy();
  policy.categories[0].temperature = 2.0;
  policy.categories[0].language_offset["en"] = 3.0;  // the same for the message and every variant
  model.set_policy(policy);
  const auto e = explain(model, {"you idiot"}, 2);
  EXPECT_NEAR(e[0][0].words[0].influence, 2.5 / 2.0, 1e-5);
  EXPECT_NEAR(e[0][0].words[1].influence, 0.5 / 2.0, 1e-5);
}

TEST(Explain, TheNumberOfWordsToListIsChecked) {
  LexiconModel model;
  EXPECT_THROW(explain(model, {"x"}, 0), InputError);
  EXPECT_THROW(explain(model, {"x"}, kMaxExplanationTop + 1), InputError);
  const std::vector<models::CategoryLogits> one_variant(1, {{0.0f, 1.0f}, {0.0f, 1.0f}, {0.0f, 1.0f}});
  EXPECT_THROW(explain_logits("a b", occlude("a b"), one_variant[0], one_variant, model.policy(), 1), InputError)
      << "two words, one variant's logits";
}

TEST(FlagWords, CountsTheWordBehindEachFlagFoldedAndListsTheWorstFirst) {
  EXPECT_EQ(FlagWords::key("Bitch,"), "bitch");
  EXPECT_EQ(FlagWords::key("#BuildThatWall!"), "#buildthatwall");
  EXPECT_EQ(FlagWords::key("\"@user\""), "@user");
  EXPECT_EQ(FlagWords::key("바보야!!"), "바보야");
  EXPECT_EQ(FlagWords::key("!!"), "!!");
  FlagWords tally;
  tally.add("bitch", false);
  tally.add("Bitch!", false);
  tally.add("bitch", true);
  tally.add("idiot", true);
  tally.add("idiot", true);
  tally.add("idiot", true);
  tally.add("wall", false);
  tally.add("", false);  // no word pushed: not counted
  tally.add("wall", std::nullopt);  // unlabelled: a flag, not a false one
  const auto top = tally.top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].word, "bitch");
  EXPECT_EQ(top[0].flags, 3);
  EXPECT_EQ(top[0].false_flags, 2);
  EXPECT_EQ(top[1].word, "wall");
  EXPECT_EQ(top[1].flags, 2);
  EXPECT_EQ(top[1].false_flags, 1);
  EXPECT_EQ(tally.top(10).size(), 3u);
  EXPECT_EQ(tally.top(10)[2].word, "idiot");
  const auto labelled = tally.to_json(2, true);
  EXPECT_EQ(labelled, nlohmann::json::parse(R"([{"word":"bitch","flags":3,"false_flags":2},{"word":"wall","flags":2,"false_flags":1}])"));
  EXPECT_FALSE(tally.to_json(1, false)[0].contains("false_flags")) << "unlabelled traffic has no false flags to count";
}

}  // namespace
}  // namespace guardian::infer

// Data set cards: every built-in card parses; each bad card is a ConfigError naming file and line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/card.h"
#include "data_test_helpers.h"

namespace guardian::data {
namespace {

using test::error_of;
using test::Scratch;

const std::vector<std::string> kCards = {"apeach", "beep", "beep-unlabeled", "jigsaw", "kosbi",
                                         "tweeteval-hate", "tweeteval-offensive", "tweeteval-unlabeled", "unsmile"};

TEST(Card, EveryBuiltInCardLoadsAndItsMappingsResolveAgainstThePolicies) {
  for (const auto& name : kCards) {
    SCOPED_TRACE(name);
    const Card card = load_card(name);
    EXPECT_EQ(card.name, name);
    EXPECT_FALSE(card.splits.empty());
    EXPECT_TRUE(card.path.filename() == name + ".toml") << card.path;
    for (const auto& s : card.scored) EXPECT_TRUE(card.splits.count(s)) << s;
    // Every mapping names a built-in policy, and reading zero rows resolves every category and level.
    for (const auto& [policy_name, columns] : card.mappings) {
      SCOPED_TRACE(policy_name);
      const auto policy = test::builtin_policy(policy_name);
      for (const auto& [column, values] : columns) {
        for (const auto& [value, assignments] : values) {
          for (const auto& [category, level] : assignments) {
            EXPECT_GE(policy.index_of(category), 0) << column << "." << value << " -> " << category;
          }
        }
      }
    }
  }
}

TEST(Card, BuiltInCardsCarryTheirDocumentedSettings) {
  const Card beep = load_card("beep");
  EXPECT_EQ(beep.language, "ko");
  EXPECT_EQ(beep.format, "tsv");
  EXPECT_EQ(beep.text, "comments");
  EXPECT_TRUE(beep.trainable);
  EXPECT_EQ(beep.scored, std::vector<std::string>{"dev"});
  EXPECT_EQ(beep.mapping_for("default").at("hate+bias").at("offensive+none").at("insult"), "1");
  EXPECT_EQ(beep.mapping_for("default").at("hate+bias").at("hate+none").at("insult"), "2");

  const Card jigsaw = load_card("jigsaw");
  EXPECT_EQ(jigsaw.splits.at("train").files.size(), 5u);
  EXPECT_EQ(jigsaw.splits.at("test").files.size(), 6u);
  EXPECT_EQ(jigsaw.id, "id");

  const Card tweets = load_card("tweeteval-offensive");
  EXPECT_EQ(tweets.format, "paired");
  EXPECT_EQ(tweets.splits.at("val").labels.size(), 1u);

  const Card unsmile = load_card("unsmile");
  EXPECT_FALSE(unsmile.trainable);
  EXPECT_EQ(unsmile.text, "문장");
  EXPECT_EQ(unsmile.mapping_for("unsmile").count("여성/가족"), 1u);

  const Card kosbi = load_card("kosbi");
  EXPECT_EQ(kosbi.format, "json");
  EXPECT_FALSE(kosbi.trainable);
}

TEST(Card, MappingForAPolicyItLacksListsTheOnesItHas) {
  const Card beep = load_card("beep");
  const std::string m = error_of<ConfigError>([&] { beep.mapping_for("openai"); });
  EXPECT_NE(m.find("'openai'"), std::string::npos) << m;
  EXPECT_NE(m.find("beep-hate"), std::string::npos) << m;
  const Card unlabeled = load_card("beep-unlabeled");
  EXPECT_NE(error_of<ConfigError>([&] { unlabeled.mapping_for("default"); }).find("unlabelled"), std::string::npos);
}

TEST(Card, ABareNameThatIsNotACardSaysWhereItLooked) {
  const std::string m = error_of<ConfigError>([] { load_card("no-such-card"); });
  EXPECT_NE(m.find("no-such-card"), std::string::npos) << m;
  EXPECT_NE(m.find("cards/no-such-card.toml"), std::string::npos) << m;
  EXPECT_THROW(load_card("/nonexistent/x.toml"), ConfigError);
}

const char* kGood = R"(name = "t"
format = "tsv"
text = "text"
[splits]
train = "t.tsv"
)";

std::string card_error(const std::string& toml) {
  return error_of<ConfigError>([&] { parse_card(toml, "card.toml"); });
}

TEST(CardErrors, UnknownKeyNamesFileLineAndKey) {
  const std::string m = card_error("name = \"t\"\nformat = \"tsv\"\ncolumns = 3\n");
  EXPECT_NE(m.find("card.toml:3"), std::string::npos) << m;
  EXPECT_NE(m.find("'columns'"), std::string::npos) << m;
}

TEST(CardErrors, UnknownFormatAndLanguage) {
  std::string m = card_error(std::string(kGood) + "\n[x]\n");
  EXPECT_NE(m.find("card.toml:7"), std::string::npos) << m;
  m = card_error("name = \"t\"\nformat = \"xml\"\ntext = \"t\"\n[splits]\ntrain = \"a\"\n");
  EXPECT_NE(m.find("card.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("format 'xml'"), std::string::npos) << m;
  m = card_error("name = \"t\"\nlanguage = \"fr\"\ntext = \"t\"\n[splits]\ntrain = \"a\"\n");
  EXPECT_NE(m.find("language"), std::string::npos) << m;
}

TEST(CardErrors, RequiredPieces) {
  EXPECT_NE(card_error("format = \"tsv\"\ntext = \"t\"\n[splits]\ntrain = \"a\"\n").find("needs a 'name'"), std::string::npos);
  EXPECT_NE(card_error("name = \"t\"\ntext = \"t\"\n").find("[splits]"), std::string::npos);
  EXPECT_NE(card_error("name = \"t\"\nformat = \"csv\"\n[splits]\ntrain = \"a\"\n").find("'text'"), std::string::npos);
  EXPECT_NE(card_error(std::string("scored = [\"test\"]\n") + kGood).find("scored split 'test'"), std::string::npos);
  // Lines and paired cards need no text column.
  EXPECT_NO_THROW(parse_card("name = \"t\"\nformat = \"lines\"\n[splits]\ntrain = \"a\"\n", "ok.toml"));
}

TEST(CardErrors, WrongTypesNameTheLine) {
  std::string m = card_error("name = \"t\"\ntrainable = \"yes\"\n");
  EXPECT_NE(m.find("card.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("'trainable'"), std::string::npos) << m;
  m = card_error("name = 3\n");
  EXPECT_NE(m.find("card.toml:1"), std::string::npos) << m;
  m = card_error(std::string(kGood) + "dev = 3\n");
  EXPECT_NE(m.find("card.toml:6"), std::string::npos) << m;
  m = card_error(std::string(kGood) + "[mapping.default.label]\nx = { hate = 1.5 }\n");
  EXPECT_NE(m.find("card.toml:7"), std::string::npos) << m;
  EXPECT_NE(m.find("level"), std::string::npos) << m;
  m = card_error(std::string(kGood) + "[mapping.default.label]\nx = 1\n");
  EXPECT_NE(m.find("card.toml:7"), std::string::npos) << m;
  EXPECT_NE(m.find("'x'"), std::string::npos) << m;
}

TEST(CardErrors, PairedSplitsNeedTextAndLabels) {
  const std::string head = "name = \"t\"\nformat = \"paired\"\n[splits]\n";
  std::string m = card_error(head + "train = { text = \"a\" }\n");
  EXPECT_NE(m.find("card.toml:4"), std::string::npos) << m;
  EXPECT_NE(m.find("text and labels"), std::string::npos) << m;
  m = card_error(head + "train = { text = \"a\", labels = \"b\", ids = \"c\" }\n");
  EXPECT_NE(m.find("splits.train.ids"), std::string::npos) << m;
  m = card_error(head + "train = { text = [\"a\", \"b\"], labels = \"c\" }\n");
  EXPECT_NE(m.find("differ in length"), std::string::npos) << m;
  // A plain file list for a paired card would leave the labels missing.
  m = card_error(head + "train = \"a.txt\"\n");
  EXPECT_NE(m.find("split 'train'"), std::string::npos) << m;
  // And label files for a card that is not paired.
  m = card_error("name = \"t\"\nformat = \"tsv\"\ntext = \"x\"\n[splits]\ntrain = { text = \"a\", labels = \"b\" }\n");
  EXPECT_NE(m.find("only format \"paired\""), std::string::npos) << m;
}

TEST(CardErrors, TomlSyntaxErrorNamesTheLine) {
  const std::string m = card_error("name = \"t\"\n\nformat = \n");
  EXPECT_NE(m.find("card.toml:3"), std::string::npos) << m;
}

TEST(CardErrors, LoadedCardsNameTheirPath) {
  Scratch dir;
  const auto path = dir.write("bad.toml", "name = \"t\"\nwhat = 1\n");
  const std::string m = error_of<ConfigError>([&] { load_card(path.string()); });
  EXPECT_NE(m.find(path.string() + ":2"), std::string::npos) << m;
}

}  // namespace
}  // namespace guardian::data

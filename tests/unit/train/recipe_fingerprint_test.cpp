// What a model directory's recipe fingerprint covers: the settings that shape that kind of model,
// and nothing another member or the stack alone uses (a change there keeps trained members).
#include <gtest/gtest.h>

#include "train/recipe_fingerprint.h"

namespace guardian::train {
namespace {

TrainConfig ngram_recipe() {
  TrainConfig c;
  c.model.kind = "ngram";
  c.data.train = {"beep:train[:90%]"};
  c.data.valid = {"beep:train[90%:]"};
  return c;
}

TEST(RecipeFingerprintTest, AnNgramModelsChangesWhenItsOwnSettingsOrDataOrSeedDo) {
  const TrainConfig base = ngram_recipe();
  const std::string fp = recipe_fingerprint(base, 1);
  EXPECT_EQ(recipe_fingerprint(base, 1), fp) << "stable";
  EXPECT_NE(recipe_fingerprint(base, 2), fp) << "seed";
  auto changed = [&](auto edit) {
    TrainConfig c = base;
    edit(c);
    return recipe_fingerprint(c, 1) != fp;
  };
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.nb_scale = true; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.l2 = {1e-3}; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.char_max = 4; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.squeeze = true; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.leet = true; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.jamo = true; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.ngram.dim = 16; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.data.train.push_back("jigsaw:train"); }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.policy = "binary"; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.optim.class_weighting = "none"; }));
  EXPECT_TRUE(changed([](TrainConfig& c) { c.optim.augment = {"choseong"}; }));
  // What the n-gram model does not read: the encoder's schedule and size, the stack's fit, eval data.
  EXPECT_FALSE(changed([](TrainConfig& c) { c.optim.lr = 1e-3; }));
  EXPECT_FALSE(changed([](TrainConfig& c) { c.model.hidden_size = 64; }));
  EXPECT_FALSE(changed([](TrainConfig& c) { c.ensemble.fit = "none"; }));
  EXPECT_FALSE(changed([](TrainConfig& c) { c.data.eval = {"beep:dev"}; }));
}

// A member trained before squeeze existed keeps its fingerprint while squeeze stays off, so
// training into its directory again does not retrain it. Pinned from the code before squeeze
// (libstdc++'s std::hash of the settings' JSON).
TEST(RecipeFingerprintTest, AnNgramMemberWithoutSqueezeKeepsTheFingerprintOfBeforeIt) {
  EXPECT_EQ(recipe_fingerprint(ngram_recipe(), 1), "f14852e2b51ef142");
}

TEST(RecipeFingerprintTest, AnEncodersIgnoresTheNgramTables) {
  TrainConfig base = ngram_recipe();
  base.model.kind = "encoder";
  const std::string fp = recipe_fingerprint(base, 1);
  TrainConfig other = base;
  other.ngram.nb_scale = true;
  EXPECT_EQ(recipe_fingerprint(other, 1), fp);
  other.optim.lr = 1e-3;
  EXPECT_NE(recipe_fingerprint(other, 1), fp);
  other = base;
  other.optim.augment = {"leet"};  // its training data changes, so its checkpoints must not be reused
  EXPECT_NE(recipe_fingerprint(other, 1), fp);
}

}  // namespace
}  // namespace guardian::train

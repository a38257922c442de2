// The tiny model's inputs for the serve tests: a JSON Lines file on a private data shelf, its
// card, a two-category policy and an n-gram recipe that trains in seconds.
#include "serve_fixture.h"

namespace guardian::e2e {

fs::path write_tiny_recipe(const fs::path& dir) {
  const fs::path data = dir / "data";
  write_text(data / "MANIFEST.md", "# tiny e2e shelf\n");
  std::string lines;
  int n = 0;
  for (const auto& [text, toxic] : tiny_examples()) {
    lines += nlohmann::json({{"id", "t" + std::to_string(++n)}, {"text", text}, {"toxic", toxic}, {"insult", toxic}}).dump() + "\n";
  }
  write_text(data / "tiny" / "train.jsonl", lines);
  write_text(dir / "tiny-card.toml",
             "name = \"tiny\"\nlanguage = \"en\"\nlicence = \"test data\"\ntrainable = true\n"
             "format = \"jsonl\"\ntext = \"text\"\nid = \"id\"\n"
             "[splits]\ntrain = \"tiny/train.jsonl\"\n"
             "[mapping.tiny.toxic]\n\"0\" = { toxic = 0 }\n\"1\" = { toxic = 1 }\n"
             "[mapping.tiny.insult]\n\"0\" = { insult = 0 }\n\"1\" = { insult = 1 }\n");
  write_text(dir / "tiny-policy.toml",
             "name = \"tiny\"\nversion = \"1\"\n"
             "[[category]]\nname = \"toxic\"\nlevels = [\"none\", \"toxic\"]\n"
             "[[category]]\nname = \"insult\"\nlevels = [\"none\", \"insult\"]\nthreshold = 0.6\n");
  const std::string card = (dir / "tiny-card.toml").string();
  return write_recipe(dir, {card + ":train[:80%]"}, card + ":train[80%:]");
}

fs::path write_recipe(const fs::path& dir, const std::vector<std::string>& train, const std::string& valid,
                      const std::string& extra_ngram) {
  std::string specs;
  for (const auto& s : train) specs += (specs.empty() ? "\"" : ", \"") + s + "\"";
  const fs::path recipe = dir / ("recipe-" + std::to_string(train.size()) + ".toml");
  write_text(recipe, "name = \"tiny\"\npolicy = \"" + (tiny_root() / "inputs" / "tiny-policy.toml").string() + "\"\n"
                     "[data]\ntrain = [" + specs + "]\nvalid = [\"" + valid + "\"]\n"
                     "[model]\nkind = \"ngram\"\n"
                     "[ngram]\nbuckets_log2 = 12\nepochs = 2\nl2 = [1e-5]\n" + extra_ngram);
  return recipe;
}

}  // namespace guardian::e2e

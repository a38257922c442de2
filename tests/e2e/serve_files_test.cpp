// `guardian serve` and its model directory's files: the server keeps serving what it loaded when an
// operator overwrites the weights in place (cp over them), and a reload onto a broken file fails
// and keeps the model it has. The model has a bf16 embedding bag, whose rows a CLI command maps
// straight from the file; the server must hold its own copy.
#include <fstream>

#include "serve_fixture.h"

namespace guardian::e2e {
namespace {

using nlohmann::json;

// The tiny data with an embedding bag (dim 8, stored bf16) instead of the linear model.
fs::path train_bag_model(const fs::path& dir) {
  const auto inputs = tiny_root() / "inputs";
  tiny_model();  // writes the tiny shelf, card and policy under inputs
  const std::string card = (inputs / "tiny-card.toml").string();
  const fs::path recipe = write_recipe(dir, {card + ":train[:80%]"}, card + ":train[80%:]",
                                       "dim = 8\nembedding_dtype = \"bf16\"\n");
  const fs::path model = dir / "model";
  const int code = run_process({GUARDIAN_BINARY, "train", "--config", recipe.string(), "--out", model.string(), "--quiet"},
                               {{"GUARDIAN_DATA", (inputs / "data").string()}}, dir / "train.log");
  EXPECT_EQ(code, 0) << read_text(dir / "train.log");
  return model;
}

// Each message's scores and decision (without its decision id, which every request draws anew).
json classify(int port) {
  const auto r = http(port, "POST", "/v1/classify", R"({"input":["you stupid idiot","good morning"]})",
                      {{"Authorization", "Bearer " + kUserKey}});
  EXPECT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("results")) return json();
  json out = json::array();
  for (auto result : body["results"]) {
    result.erase("decision_id");
    out.push_back(result);
  }
  return out;
}

TEST(ServeFiles, KeepsServingWhatItLoadedWhenTheWeightsAreOverwrittenInPlace) {
  char pattern[] = "/tmp/guardian-serve-files-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const fs::path model = train_bag_model(dir);
  ASSERT_TRUE(fs::exists(model / "model.safetensors"));
  const auto config = read_text(model / "config.json");
  ASSERT_NE(config.find("\"embedding_dtype\": \"bf16\""), std::string::npos) << config;
  write_text(dir / "serve.toml", "[batching]\nmax_batch = 8\nmax_wait_ms = 1.0\n");
  // The fixture's keys bind one to a policy named "strict": the model's own under that name.
  auto strict = read_text(model / "policy.toml");
  const auto name = strict.find("name = 'tiny'");
  ASSERT_NE(name, std::string::npos) << strict;
  strict.replace(name, 13, "name = 'strict'");
  write_text(dir / "strict.toml", strict);
  ServerProcess server(model, dir, {"--policy", (dir / "strict.toml").string()});
  const json before = classify(server.port());
  ASSERT_EQ(before.size(), 2u);

  {  // in place: the same file, truncated and written again (what cp does over an existing file)
    std::ofstream out(model / "model.safetensors", std::ios::binary | std::ios::trunc);
    out << std::string(4096, 'x');
  }
  EXPECT_EQ(classify(server.port()), before);

  const auto reload = http(server.port(), "POST", "/v1/admin/reload", "{}", {{"Authorization", "Bearer " + kAdminKey}});
  EXPECT_EQ(reload.status, 500) << reload.body;
  EXPECT_NE(reload.body.find("still serving the previous model"), std::string::npos) << reload.body;
  EXPECT_EQ(classify(server.port()), before);
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace guardian::e2e

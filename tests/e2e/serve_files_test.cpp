// `guardian serve` and its model directory's files: the server keeps serving what it loaded when an
// operator overwrites the weights in place (cp over them), a reload onto a broken file fails
// and keeps the model it has, and a reload onto another model's files serves that model. The model
// has a bf16 embedding bag, whose rows a CLI command maps straight from the file; the server must
// hold its own copy.
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

// Puts every file of the model in `from` into the served directory `to` the way an operator
// replaces a model under a running server: each file copied beside its target and renamed over
// it; a file of `to` that `from` lacks is removed.
void replace_model_files(const fs::path& from, const fs::path& to) {
  for (const auto& e : fs::directory_iterator(to)) {
    if (!fs::exists(from / e.path().filename())) fs::remove_all(e.path());
  }
  for (const auto& e : fs::directory_iterator(from)) {
    if (!e.is_regular_file()) continue;
    const fs::path staged = to / ("." + e.path().filename().string() + ".new");
    fs::copy_file(e.path(), staged, fs::copy_options::overwrite_existing);
    fs::rename(staged, to / e.path().filename());
  }
}

// The "strict" policy the fixture's keys bind to: the model's own under that name.
void write_strict_policy(const fs::path& model, const fs::path& out) {
  auto strict = read_text(model / "policy.toml");
  const auto name = strict.find("name = 'tiny'");
  ASSERT_NE(name, std::string::npos) << strict;
  strict.replace(name, 13, "name = 'strict'");
  write_text(out, strict);
}

// What a server started on `model` answers (in a folder of its own under dir).
json answers_of(const fs::path& model, const fs::path& dir) {
  fs::create_directories(dir);
  write_text(dir / "serve.toml", "[batching]\nmax_batch = 8\nmax_wait_ms = 1.0\n");
  write_strict_policy(model, dir / "strict.toml");
  ServerProcess server(model, dir, {"--policy", (dir / "strict.toml").string()});
  return classify(server.port());
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
  write_strict_policy(model, dir / "strict.toml");
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

TEST(ServeFiles, AReloadServesTheModelNowInTheDirectory) {
  char pattern[] = "/tmp/guardian-serve-reload-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const fs::path linear = tiny_model();
  const fs::path bag = train_bag_model(dir);
  const json linear_answers = answers_of(linear, dir / "linear-alone");
  const json bag_answers = answers_of(bag, dir / "bag-alone");
  ASSERT_EQ(linear_answers.size(), 2u);
  ASSERT_EQ(bag_answers.size(), 2u);
  ASSERT_NE(linear_answers, bag_answers) << "the two models must score differently for the test to tell them apart";

  // The linear model served from a directory of its own.
  const fs::path served = dir / "served";
  fs::create_directories(served);
  replace_model_files(linear, served);
  write_text(dir / "serve.toml", "[batching]\nmax_batch = 8\nmax_wait_ms = 1.0\n");
  write_strict_policy(linear, dir / "strict.toml");
  ServerProcess server(served, dir, {"--policy", (dir / "strict.toml").string()});
  EXPECT_EQ(classify(server.port()), linear_answers);

  // The bag model's files put in its place: the server answers as before until told to reload,
  // then as the bag model does.
  replace_model_files(bag, served);
  EXPECT_EQ(classify(server.port()), linear_answers);
  const auto reload = http(server.port(), "POST", "/v1/admin/reload", "{}", {{"Authorization", "Bearer " + kAdminKey}});
  ASSERT_EQ(reload.status, 200) << reload.body;
  EXPECT_EQ(classify(server.port()), bag_answers);

  // And back to the linear model's files, reloaded by SIGHUP (which is handled in the background).
  replace_model_files(linear, served);
  server.signal(SIGHUP);
  json answers;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    answers = classify(server.port());
  } while (answers != linear_answers && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(answers, linear_answers) << server.log();
  const auto metrics = http(server.port(), "GET", "/metrics", "", {{"Authorization", "Bearer " + kUserKey}}).body;
  EXPECT_NE(metrics.find("guardian_reloads_total{result=\"ok\"} 2"), std::string::npos) << metrics;
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace guardian::e2e

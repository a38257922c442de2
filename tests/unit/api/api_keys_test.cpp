// API keys: the file form (comments, policy binding, admin), the environment form (commas), bad
// lines as ConfigErrors naming file and line, lookup, and the presented key from the headers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "../core/test_helpers.h"
#include "api/api_keys.h"
#include "core/error.h"
#include "core/sha256.h"

namespace guardian::api {
namespace {

using test::error_of;

TEST(ApiKeys, FileFormWithCommentsPoliciesAndAdmin) {
  test::Scratch dir;
  const auto path = dir.write("keys.txt",
                              "# guardian API keys\n"
                              "\n"
                              "sk-live-1234\n"
                              "  sk-tenant-a   policy=strict   # tenant A decides under its own policy\n"
                              "sk-ops-00000 admin\r\n"
                              "sk-both-0000 policy=strict admin\n");
  const ApiKeys keys = ApiKeys::load(path);
  ASSERT_TRUE(keys.enabled());
  ASSERT_EQ(keys.keys().size(), 4u);
  EXPECT_EQ(keys.keys()[0].secret, "sk-live-1234");
  EXPECT_EQ(keys.keys()[0].policy, "");
  EXPECT_FALSE(keys.keys()[0].admin);
  EXPECT_EQ(keys.keys()[1].secret, "sk-tenant-a");
  EXPECT_EQ(keys.keys()[1].policy, "strict");
  EXPECT_EQ(keys.keys()[2].secret, "sk-ops-00000");
  EXPECT_TRUE(keys.keys()[2].admin);
  EXPECT_EQ(keys.keys()[3].policy, "strict");
  EXPECT_TRUE(keys.keys()[3].admin);
  // Logs name a key by its hash prefix, never by the secret.
  EXPECT_EQ(keys.keys()[0].name, "key:" + core::sha256_hex("sk-live-1234").substr(0, 8));
  EXPECT_EQ(keys.keys()[0].name.find("sk-live"), std::string::npos);
}

TEST(ApiKeys, TheEnvironmentsFormSeparatesEntriesByCommas) {
  const ApiKeys keys = ApiKeys::from_config("", "key-one-0001, key-two-0002 admin ,key-three-03 policy=p");
  ASSERT_EQ(keys.keys().size(), 3u);
  EXPECT_EQ(keys.keys()[0].secret, "key-one-0001");
  EXPECT_EQ(keys.keys()[1].secret, "key-two-0002");
  EXPECT_TRUE(keys.keys()[1].admin);
  EXPECT_EQ(keys.keys()[2].policy, "p");
}

TEST(ApiKeys, AFileWinsOverTheEnvironmentAndNeitherMeansNoAuthentication) {
  test::Scratch dir;
  const auto path = dir.write("keys.txt", "from-the-file-1\n");
  const ApiKeys keys = ApiKeys::from_config(path.string(), "from-the-env-01");
  ASSERT_EQ(keys.keys().size(), 1u);
  EXPECT_EQ(keys.keys()[0].secret, "from-the-file-1");
  EXPECT_FALSE(ApiKeys::from_config("", "").enabled());
}

TEST(ApiKeys, BadLinesNameFileAndLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"good-key-0001\nbad-key-00002 superuser\n", "keys.txt:2: unknown field 'superuser'"},
      {"good-key-0001\n\n# c\nkey-00000003 policy=\n", "keys.txt:4: unknown field 'policy='"},
      {"short\n", "keys.txt:1: API keys must be at least 8 characters"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const auto m = error_of<ConfigError>([&] { ApiKeys::parse(text, "keys.txt"); });
    EXPECT_NE(m.find(expected), std::string::npos) << m;
  }
  // The environment form counts entries.
  const auto m = error_of<ConfigError>([&] { ApiKeys::parse("key-one-0001,key-two-0002 root", "GUARDIAN_API_KEYS", ','); });
  EXPECT_NE(m.find("GUARDIAN_API_KEYS:2: unknown field 'root'"), std::string::npos) << m;
  // A missing file says so.
  const auto missing = error_of<InputError>([&] { ApiKeys::from_config("/nonexistent/keys.txt", ""); });
  EXPECT_NE(missing.find("/nonexistent/keys.txt"), std::string::npos) << missing;
}

TEST(ApiKeys, FindMatchesWholeSecretsOnly) {
  const ApiKeys keys = ApiKeys::parse("alpha-key-001\nbeta-key-0002 admin\n", "keys.txt");
  ASSERT_TRUE(keys.find("beta-key-0002"));
  EXPECT_TRUE(keys.find("beta-key-0002")->admin);
  EXPECT_FALSE(keys.find("beta-key-000"));
  EXPECT_FALSE(keys.find("beta-key-00022"));
  EXPECT_FALSE(keys.find(""));
  EXPECT_FALSE(ApiKeys{}.find("alpha-key-001"));
}

TEST(ApiKeys, PresentedKeyFromBearerOrHeader) {
  EXPECT_EQ(presented_key("Bearer sk-123456789", ""), "sk-123456789");
  EXPECT_EQ(presented_key("Bearer  sk-123456789 ", "other"), "sk-123456789");
  EXPECT_EQ(presented_key("", " sk-header-01 "), "sk-header-01");
  EXPECT_EQ(presented_key("Basic dXNlcjpwYXNz", "sk-header-01"), "sk-header-01");
  EXPECT_EQ(presented_key("Bearer ", ""), "");
  EXPECT_EQ(presented_key("", ""), "");
}

}  // namespace
}  // namespace guardian::api

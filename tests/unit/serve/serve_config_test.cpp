// ServeConfig: defaults, a full file, and each bad file as a ConfigError naming file and field.
#include <gtest/gtest.h>

#include "core/error.h"
#include "serve/serve_config.h"
#include "serve_test_helpers.h"

namespace guardian::serve {
namespace {

using test::error_of;

TEST(ServeConfig, DefaultsBindToLoopbackWithAuditOff) {
  const ServeConfig config = ServeConfig::parse("", "empty.toml");
  EXPECT_EQ(config.host, "127.0.0.1");
  EXPECT_EQ(config.port, 8080);
  EXPECT_EQ(config.batching.max_batch, 64);
  EXPECT_DOUBLE_EQ(config.batching.max_wait_ms, 2.0);
  EXPECT_EQ(config.batching.queue_capacity, 4096);
  EXPECT_EQ(config.limits.max_inputs, 256);
  EXPECT_TRUE(config.keys_file.empty());
  EXPECT_TRUE(config.audit.path.empty());
  EXPECT_EQ(config.audit.store, "text");
  EXPECT_TRUE(config.audit.durable);
  EXPECT_EQ(config.audit.retention_days, 30);
  EXPECT_EQ(config.drift_window, 1000);
  EXPECT_EQ(config.drift_review_sample, 25);
  EXPECT_EQ(config.audit.review_random, 0.0);
}

TEST(ServeConfig, EveryFieldIsRead) {
  const ServeConfig config = ServeConfig::parse(R"(
[server]
host = "0.0.0.0"
port = 9090
threads = 16
[batching]
max_batch = 8
max_wait_ms = 0.5
queue_capacity = 100
[limits]
max_body_bytes = 4096
max_inputs = 4
max_chars = 100
[auth]
keys_file = "/etc/guardian/keys.txt"
[audit]
path = "audit.db"
store = "hash"
durable = false
retention_days = 7
review_margin = 0.25
review_low_confidence = false
review_random = 0.005
[drift]
window = 500
review_sample = 40
)", "full.toml");
  EXPECT_EQ(config.host, "0.0.0.0");
  EXPECT_EQ(config.port, 9090);
  EXPECT_EQ(config.threads, 16);
  EXPECT_EQ(config.batching.max_batch, 8);
  EXPECT_DOUBLE_EQ(config.batching.max_wait_ms, 0.5);
  EXPECT_EQ(config.batching.queue_capacity, 100);
  EXPECT_EQ(config.limits.max_body_bytes, 4096u);
  EXPECT_EQ(config.limits.max_inputs, 4);
  EXPECT_EQ(config.limits.max_chars, 100);
  EXPECT_EQ(config.keys_file, "/etc/guardian/keys.txt");
  EXPECT_EQ(config.audit.path, "audit.db");
  EXPECT_EQ(config.audit.store, "hash");
  EXPECT_FALSE(config.audit.durable);
  EXPECT_EQ(config.audit.retention_days, 7);
  EXPECT_DOUBLE_EQ(config.audit.review_margin, 0.25);
  EXPECT_FALSE(config.audit.review_low_confidence);
  EXPECT_DOUBLE_EQ(config.audit.review_random, 0.005);
  EXPECT_EQ(config.drift_window, 500);
  EXPECT_EQ(config.drift_review_sample, 40);
  // An integer is accepted where a float is expected.
  EXPECT_DOUBLE_EQ(ServeConfig::parse("[batching]\nmax_wait_ms = 3\n", "x.toml").batching.max_wait_ms, 3.0);
}

TEST(ServeConfig, LoadReadsAFileAndNamesAMissingOne) {
  test::Scratch dir;
  const auto path = dir.write("serve.toml", "[server]\nport = 0\n");
  EXPECT_EQ(ServeConfig::load(path).port, 0);
  const auto m = error_of<InputError>([&] { ServeConfig::load(dir.path() / "nope.toml"); });
  EXPECT_NE(m.find("nope.toml"), std::string::npos) << m;
}

// Each bad file: a ConfigError that names the file and says what is wrong.
TEST(ServeConfig, BadFilesAreClearConfigErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"[server]\nport = \n", "bad.toml:2"},                                 // TOML syntax, with the line
      {"[serverr]\nport = 1\n", "bad.toml:1: unknown key 'serverr'"},
      {"port = 1\n", "bad.toml:1: unknown key 'port'"},                          // a key outside any table
      {"[server]\nprot = 1\n", "bad.toml:2: unknown key 'server.prot'"},
      {"[audit]\nretention = 3\n", "bad.toml:2: unknown key 'audit.retention'"},
      {"[server]\nport = \"80\"\n", "bad.toml:2: 'server.port' must be an integer"},
      {"[batching]\nmax_wait_ms = \"fast\"\n", "bad.toml:2: 'batching.max_wait_ms' must be a number"},
      {"[audit]\ndurable = 1\n", "bad.toml:2: 'audit.durable' must be true or false"},
      {"[auth]\nkeys_file = 3\n", "bad.toml:2: 'auth.keys_file' must be a string"},
      {"[server]\nport = 70000\n", "[server] port must be 0..65535"},
      {"[server]\nthreads = 0\n", "[server] threads must be"},
      {"[batching]\nmax_batch = 0\n", "[batching] max_batch must be"},
      {"[batching]\nmax_wait_ms = -1.0\n", "[batching] max_wait_ms must be"},
      {"[batching]\nqueue_capacity = 0\n", "[batching] queue_capacity must be at least 1"},
      {"[limits]\nmax_body_bytes = 10\n", "[limits] max_body_bytes must be at least 64"},
      {"[limits]\nmax_body_bytes = -1\n", "bad.toml:2: 'limits.max_body_bytes' must be >= 0"},
      {"server = 3\n", "bad.toml:1: 'server' must be a table"},
      {"[limits]\nmax_inputs = 0\n", "[limits] max_inputs must be at least 1"},
      {"[audit]\nstore = \"plain\"\n", "[audit] store must be \"text\" or \"hash\""},
      {"[audit]\nretention_days = -1\n", "[audit] retention_days must be >= 0"},
      {"[audit]\nreview_margin = 2.0\n", "[audit] review_margin must be 0..1"},
      {"[drift]\nwindow = -1\n", "[drift] window must be >= 0"},
      {"[drift]\nwindow = 10\nreview_sample = 11\n", "[drift] review_sample must be 0..window"},
      {"[drift]\nreview_sample = -1\n", "[drift] review_sample must be 0..window"},
      {"[audit]\npath = \"a.db\"\nreview_random = 1.5\n", "[audit] review_random must be 0..1"},
      {"[audit]\npath = \"a.db\"\nreview_random = -0.1\n", "[audit] review_random must be 0..1"},
      {"[audit]\nreview_random = 0.01\n", "review_random needs the audit log"},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const auto m = error_of<ConfigError>([&] { ServeConfig::parse(text, "bad.toml"); });
    EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
    EXPECT_NE(m.find(expected), std::string::npos) << m;
  }
}

TEST(ServeConfig, ValidateChecksCommandLineOverrides) {
  ServeConfig config;
  config.port = -5;
  const auto m = error_of<ConfigError>([&] { config.validate("command line"); });
  EXPECT_NE(m.find("command line: [server] port"), std::string::npos) << m;
}

}  // namespace
}  // namespace guardian::serve

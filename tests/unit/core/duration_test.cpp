#include "core/duration.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace guardian::core {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesUnitsCompoundsFractionsAndPlainSeconds) {
  EXPECT_EQ(parse_duration("90s"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("12m"), milliseconds(720'000));
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("1.5h"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("45"), milliseconds(45'000));
  EXPECT_EQ(parse_duration("0.25"), milliseconds(250));
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("2d"), milliseconds(172'800'000));
  EXPECT_EQ(parse_duration("1h2m3s"), milliseconds(3'723'000));
  EXPECT_EQ(parse_duration(" 5m "), milliseconds(300'000));
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
}

TEST(Duration, BadInputIsConfigErrorQuotingTheText) {
  for (const char* bad : {"", "  ", "abc", "5x", "-5s", "1h30", "h", "1..5s", "5 s", "1e3s", "s5", "1.5.2h",
                          "99999999999999999999999h"}) {
    SCOPED_TRACE(bad);
    try {
      parse_duration(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + bad + "\""), std::string::npos) << e.what();
    }
  }
}

TEST(Duration, FormatsShortestFormThatParsesBack) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1.5s");
  EXPECT_EQ(format_duration(milliseconds(3'600'000 + 1)), "1h0.001s");
  for (int64_t ms : {1LL, 999LL, 1000LL, 61'001LL, 3'723'000LL, 86'400'000LL * 3 + 7})
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms))), milliseconds(ms)) << ms;
}

}  // namespace
}  // namespace guardian::core

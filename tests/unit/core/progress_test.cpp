#include "core/progress.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

namespace guardian::core {
namespace {

TEST(Progress, LineShowsBarCountPercentRateEtaAndPostfix) {
  std::ostringstream out;
  Progress p("train", 5000, {&out, 0, 1000.0});
  p.advance(1200);
  p.set_postfix("loss 0.41");
  const std::string line = p.line();
  EXPECT_EQ(line.rfind("train  [====>", 0), 0u) << line;
  EXPECT_NE(line.find("] 1200/5000 24% "), std::string::npos) << line;
  EXPECT_NE(line.find(" it/s ETA "), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 10), " loss 0.41") << line;
}

TEST(Progress, UnknownTotalHasNoBarOrEta) {
  std::ostringstream out;
  Progress p("scan", 0, {&out, 0, 1000.0});
  p.advance(7);
  const std::string line = p.line();
  EXPECT_EQ(line.rfind("scan  7 ", 0), 0u) << line;
  EXPECT_EQ(line.find('['), std::string::npos);
  EXPECT_EQ(line.find("ETA"), std::string::npos);
}

TEST(Progress, PlainModeWritesLinesOnlyAtTheInterval) {
  std::ostringstream out;
  {
    Progress p("x", 100, {&out, 0, 1000.0});
    for (int i = 0; i < 100; ++i) p.advance();
    EXPECT_EQ(out.str(), "") << "nothing before the interval";
    p.finish();
    p.finish();
  }
  const std::string s = out.str();
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1) << s;
  EXPECT_EQ(s.find('\r'), std::string::npos);
  EXPECT_NE(s.find("100/100 100%"), std::string::npos) << s;
}

TEST(Progress, TerminalModeRedrawsInPlace) {
  std::ostringstream out;
  {
    Progress p("x", 10, {&out, 1, 0.0});
    for (int i = 0; i < 3; ++i) p.advance();
  }  // the destructor finishes
  const std::string s = out.str();
  EXPECT_GE(std::count(s.begin(), s.end(), '\r'), 3) << s;
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1) << s;
  EXPECT_EQ(s.back(), '\n');
}

TEST(Progress, AdvanceIsThreadSafe) {
  std::ostringstream out;
  Progress p("mt", 40000, {&out, 1, 0.0});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) p.advance();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(p.count(), 40000);
  p.finish();
  EXPECT_NE(out.str().find("40000/40000 100%"), std::string::npos);
}

TEST(Progress, DisabledWritesNothing) {
  std::ostringstream out;
  Progress::set_enabled(false);
  {
    Progress p("quiet", 10, {&out, 1, 0.0});
    p.advance(10);
    p.finish();
  }
  Progress::set_enabled(true);
  EXPECT_EQ(out.str(), "");
}

TEST(Progress, FormatClock) {
  EXPECT_EQ(format_clock(12), "00:12");
  EXPECT_EQ(format_clock(205), "03:25");
  EXPECT_EQ(format_clock(3723), "1:02:03");
  EXPECT_EQ(format_clock(-1), "--:--");
}

}  // namespace
}  // namespace guardian::core

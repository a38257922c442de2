#include "core/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace guardian::core {
namespace {

TEST(Log, VerboseControlsTheDefaultLoggerLevel) {
  init_logging(true);
  EXPECT_EQ(spdlog::default_logger()->name(), "guardian");
  EXPECT_TRUE(spdlog::should_log(spdlog::level::debug));
  init_logging(false);
  EXPECT_FALSE(spdlog::should_log(spdlog::level::debug));
  EXPECT_TRUE(spdlog::should_log(spdlog::level::info));
}

}  // namespace
}  // namespace guardian::core

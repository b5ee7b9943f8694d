#include "gw/base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gw {
namespace {

std::vector<std::string>* g_lines = nullptr;
void CaptureSink(LogLevel, std::string_view line) { g_lines->emplace_back(line); }

TEST(Log, FiltersByLevelAndFormats) {
  std::vector<std::string> lines;
  g_lines = &lines;
  SetLogSink(&CaptureSink);
  SetLogLevel(LogLevel::kWarning);
  GW_LOG_INFO("hidden %d", 1);
  GW_LOG_WARNING("shown %d %s", 2, "x");
  SetLogSink(nullptr);
  SetLogLevel(LogLevel::kInfo);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "shown 2 x");
}

TEST(Log, ParsesLevels) {
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace gw

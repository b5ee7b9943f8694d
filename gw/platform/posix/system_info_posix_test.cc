#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "gw/platform/system_info.h"

namespace gw::platform {
namespace {

TEST(SystemInfo, ReadsPlausibleFacts) {
  auto info = ReadSystemInfo();
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_FALSE(info->machine.empty());
  EXPECT_GT(info->cpu_count, 0);
  EXPECT_GT(info->memory_total_bytes, info->memory_available_bytes / 2);
}

TEST(ProcessStats, CountsDescriptorsAndMemory) {
  auto before = ReadProcessStats();
  ASSERT_TRUE(before);
  EXPECT_GT(before->resident_bytes, 0u);
  int fd = open("/dev/null", O_RDONLY);
  auto during = ReadProcessStats();
  close(fd);
  ASSERT_TRUE(during);
  EXPECT_EQ(during->open_fds, before->open_fds + 1);
}

}  // namespace
}  // namespace gw::platform

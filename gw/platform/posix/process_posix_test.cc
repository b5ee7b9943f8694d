#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "gw/platform/process.h"

namespace gw::platform {
namespace {

// Reads until `n` bytes or end of file, waiting with poll (the descriptor is non-blocking).
std::string ReadSome(int fd, size_t n) {
  std::string out;
  char buf[256];
  while (out.size() < n) {
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 10000);
    ssize_t r = read(fd, buf, sizeof buf);
    if (r == 0) break;
    if (r > 0) out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

int WaitExit(ProcessSpawner& s, int pid) {
  while (true) {
    auto status = s.TryReap(pid);
    if (status) return *status;
    pollfd none{-1, 0, 0};
    poll(&none, 0, 5);  // the child is not ours to be notified about; poll the reaper
  }
}

TEST(Process, RunsAChildWithPipesAndEnvironment) {
  ProcessSpawner& s = SystemProcessSpawner();
  auto child = s.Spawn(
      {{"sh", "-c", "printf '%s\\n' \"$GW_TEST_VALUE\"; cat"}, {{"GW_TEST_VALUE", "hello"}}, ""});
  ASSERT_TRUE(child) << child.error().ToString();
  EXPECT_EQ(ReadSome(child->stdout_fd, 6), "hello\n");
  ASSERT_EQ(write(child->stdin_fd, "ping\n", 5), 5);
  EXPECT_EQ(ReadSome(child->stdout_fd, 5), "ping\n");
  close(child->stdin_fd);
  EXPECT_EQ(ReadSome(child->stdout_fd, 1), "");  // cat saw end of file and exited
  EXPECT_EQ(WaitExit(s, child->pid), 0);
  close(child->stdout_fd);
}

TEST(Process, KillIsReportedAsSignalExit) {
  ProcessSpawner& s = SystemProcessSpawner();
  auto child = s.Spawn({{"sleep", "600"}, {}, ""});
  ASSERT_TRUE(child);
  s.Signal(child->pid, /*force=*/true);
  EXPECT_EQ(WaitExit(s, child->pid), 128 + 9);
  close(child->stdin_fd);
  close(child->stdout_fd);
}

TEST(Process, MissingProgramIsNotFound) {
  auto child = SystemProcessSpawner().Spawn({{"edgegw-no-such-program"}, {}, ""});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().code(), Code::kNotFound);
  EXPECT_NE(child.error().message().find("edgegw-no-such-program"), std::string::npos);
}

}  // namespace
}  // namespace gw::platform

// Facts about the device and this process, read from the OS: the platform seam that device
// tools and /metrics use. posix/ implements it for Linux (procfs, uname, sysinfo).
// Thread-safety: functions are reentrant.
#pragma once

#include <cstdint>
#include <string>

#include "gw/base/result.h"

namespace gw::platform {

struct SystemInfo {
  std::string hostname;
  std::string os;       // "Linux 6.1.0-18-amd64"
  std::string machine;  // "x86_64", "aarch64"
  int cpu_count = 0;
  double load_1m = 0, load_5m = 0, load_15m = 0;
  uint64_t memory_total_bytes = 0;
  uint64_t memory_available_bytes = 0;
  uint64_t uptime_seconds = 0;
};

struct ProcessStats {
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  int open_fds = -1;       // -1 when unknown
  double cpu_seconds = 0;  // user + system time used so far
};

// kUnavailable when the OS does not provide the numbers.
Result<SystemInfo> ReadSystemInfo();
Result<ProcessStats> ReadProcessStats();

}  // namespace gw::platform

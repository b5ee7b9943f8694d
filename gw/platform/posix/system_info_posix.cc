#include <dirent.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "gw/platform/system_info.h"

namespace gw::platform {
namespace {

// "MemAvailable:  123456 kB" from /proc/meminfo; 0 when absent.
uint64_t MemInfoBytes(const char* key) {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return 0;
  char line[256];
  uint64_t value = 0;
  size_t key_len = std::strlen(key);
  while (std::fgets(line, sizeof(line), f)) {
    if (std::strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
      unsigned long long kb = 0;
      if (std::sscanf(line + key_len + 1, "%llu", &kb) == 1) value = kb * 1024;
      break;
    }
  }
  std::fclose(f);
  return value;
}

}  // namespace

Result<SystemInfo> ReadSystemInfo() {
  SystemInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) info.hostname = host;
  struct utsname u;
  if (uname(&u) == 0) {
    info.os = std::string(u.sysname) + " " + u.release;
    info.machine = u.machine;
  }
  info.cpu_count = static_cast<int>(std::thread::hardware_concurrency());
  struct sysinfo s;
  if (sysinfo(&s) != 0) return Unavailable(std::string("sysinfo failed: ") + std::strerror(errno));
  constexpr double kLoadScale = 1 << SI_LOAD_SHIFT;
  info.load_1m = s.loads[0] / kLoadScale;
  info.load_5m = s.loads[1] / kLoadScale;
  info.load_15m = s.loads[2] / kLoadScale;
  info.memory_total_bytes = static_cast<uint64_t>(s.totalram) * s.mem_unit;
  info.memory_available_bytes = MemInfoBytes("MemAvailable");
  if (info.memory_available_bytes == 0) {
    info.memory_available_bytes = static_cast<uint64_t>(s.freeram) * s.mem_unit;
  }
  info.uptime_seconds = static_cast<uint64_t>(s.uptime);
  return info;
}

Result<ProcessStats> ReadProcessStats() {
  ProcessStats stats;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return Unavailable("cannot read /proc/self/statm");
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return Unavailable("unexpected /proc/self/statm format");
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  stats.resident_bytes = resident * page;
  stats.virtual_bytes = size * page;
  if (DIR* dir = opendir("/proc/self/fd")) {
    int count = 0;
    while (struct dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') ++count;
    }
    closedir(dir);
    stats.open_fds = count - 1;  // minus the descriptor of the listing itself
  }
  // utime and stime are fields 14 and 15 of /proc/self/stat, counted after the command
  // name's closing parenthesis (the name may hold spaces).
  if (std::FILE* s = std::fopen("/proc/self/stat", "r")) {
    char line[1024];
    size_t got = std::fread(line, 1, sizeof line - 1, s);
    std::fclose(s);
    line[got] = '\0';
    if (const char* close = std::strrchr(line, ')')) {
      unsigned long long utime = 0, stime = 0;
      if (std::sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                      &stime) == 2) {
        stats.cpu_seconds = static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
      }
    }
  }
  return stats;
}

}  // namespace gw::platform

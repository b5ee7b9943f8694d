#include "gw/base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "gw/base/check.h"

namespace gw {
namespace {

void StderrSink(LogLevel level, std::string_view line) {
  static const char* const kTags[] = {"D", "I", "W", "E", "-"};
  std::fprintf(stderr, "%s edgegw: %.*s\n", kTags[static_cast<int>(level)],
               static_cast<int>(line.size()), line.data());
}

std::atomic<LogSink> g_sink{&StderrSink};
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<uint64_t> g_bugs{0};

}  // namespace

void SetLogSink(LogSink sink) { g_sink.store(sink ? sink : &StderrSink); }
void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  if (text == "debug")
    *out = LogLevel::kDebug;
  else if (text == "info")
    *out = LogLevel::kInfo;
  else if (text == "warning" || text == "warn")
    *out = LogLevel::kWarning;
  else if (text == "error")
    *out = LogLevel::kError;
  else if (text == "off")
    *out = LogLevel::kOff;
  else
    return false;
  return true;
}

void Log(LogLevel level, const char* format, ...) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  char buffer[1024];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  if (n < 0) return;
  size_t len =
      static_cast<size_t>(n) < sizeof(buffer) ? static_cast<size_t>(n) : sizeof(buffer) - 1;
  g_sink.load()(level, std::string_view(buffer, len));
}

namespace internal {

void CheckFailed(const char* file, int line, const char* what) {
  Log(LogLevel::kError, "CHECK failed at %s:%d: %s", file, line, what);
  std::abort();
}

void BugReached(const char* file, int line, const char* what) {
  g_bugs.fetch_add(1, std::memory_order_relaxed);
  Log(LogLevel::kError, "BUG at %s:%d: %s", file, line, what);
#ifndef NDEBUG
  std::abort();
#endif
}

uint64_t BugCount() { return g_bugs.load(std::memory_order_relaxed); }

}  // namespace internal
}  // namespace gw

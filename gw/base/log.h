// The logging facade. Core modules log through GW_LOG; the process decides where lines go
// (stderr by default; the stdio transport must keep stdout clean for JSON-RPC).
//
// Thread-safety: Log() may be called from any thread; SetLogSink/SetLogLevel are meant for
// start-up, before other threads run.
#pragma once

#include <cstdarg>
#include <string_view>

namespace gw {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

// Receives one formatted line without a trailing newline.
using LogSink = void (*)(LogLevel level, std::string_view line);

void SetLogSink(LogSink sink);
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning"/"warn", "error", "off". Returns false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);

// printf-style, so the facade stays small enough for wasm32 and microcontrollers.
void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace gw

#define GW_LOG_DEBUG(...)                                                                         \
  (::gw::GetLogLevel() <= ::gw::LogLevel::kDebug ? ::gw::Log(::gw::LogLevel::kDebug, __VA_ARGS__) \
                                                 : (void)0)
#define GW_LOG_INFO(...) ::gw::Log(::gw::LogLevel::kInfo, __VA_ARGS__)
#define GW_LOG_WARNING(...) ::gw::Log(::gw::LogLevel::kWarning, __VA_ARGS__)
#define GW_LOG_ERROR(...) ::gw::Log(::gw::LogLevel::kError, __VA_ARGS__)

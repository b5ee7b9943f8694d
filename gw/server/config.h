// Config: everything the gateway reads from its TOML file, with defaults that run as-is.
// The format, every key and its default are documented in docs/configuration.md and
// config/edgegw.toml.
//
// Errors name the file, the line and the key ("edgegw.toml:7: http.listen: expected
// HOST:PORT"), unknown keys included, so a typo never passes silently.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/log.h"
#include "gw/base/result.h"

namespace gw::server {

struct Config {
  // [server]
  std::string name = "edgegw";
  std::string instructions;
  LogLevel log_level = LogLevel::kInfo;
  int client_request_timeout_seconds = 300;
  // [http]
  bool http_enabled = true;
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 8787;
  std::string http_path = "/mcp";
  int io_threads = 0;
  size_t max_body_bytes = 4 << 20;
  size_t max_sessions = 1024;
  int session_idle_seconds = 1800;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  // [stdio]
  size_t max_line_bytes = 4 << 20;
  // [catalog]
  std::vector<std::string> packs = {"core", "device"};
  size_t page_size = 50;
  // [storage]
  std::string data_dir = "var";
};

// Parses TOML `text`; `source` names it in errors. kInvalidArgument on any problem.
Result<Config> ParseConfig(std::string_view text, std::string_view source);
// Reads and parses a file. kNotFound if it cannot be read.
Result<Config> LoadConfigFile(const std::string& path);

// "HOST:PORT", "[v6]:PORT" or ":PORT" (host kept). kInvalidArgument otherwise.
Status ParseListenAddress(std::string_view text, std::string* host, uint16_t* port);

}  // namespace gw::server

// Config: everything the gateway reads from its TOML file, with defaults that run as-is.
// The format, every key and its default are documented in docs/configuration.md and
// config/edgegw.toml.
//
// Errors name the file, the line and the key ("edgegw.toml:7: http.listen: expected
// HOST:PORT"), unknown keys included, so a typo never passes silently.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/log.h"
#include "gw/base/result.h"

namespace gw::server {

// One [[upstream]]: an MCP server the gateway federates, over Streamable HTTP (`url`) or
// as a child process over stdio (`command`).
struct UpstreamConfig {
  std::string name;
  std::string url;                   // http:// or https://
  std::vector<std::string> command;  // program and arguments
  std::map<std::string, std::string> env;
  std::string cwd;
  std::string prefix;      // tool/prompt prefix; default NAME + "__"; "" mounts transparently
  std::string uri_prefix;  // resource URI prefix; default NAME + "+" (empty when prefix is)
  std::map<std::string, std::string> headers;
  std::string bearer_token;  // or bearer_token_env: the variable that holds it
  std::string bearer_token_env;
  std::string ca_file;
  bool tls_verify = true;
  int timeout_seconds = 60;
  int connect_timeout_seconds = 5;
  int ping_interval_seconds = 30;
  std::vector<std::string> idempotent_tools;
  int retry_max_attempts = 3;
  int retry_base_delay_ms = 100;
  int retry_max_delay_ms = 5000;
  int breaker_window = 20;
  int breaker_min_calls = 10;
  double breaker_failure_ratio = 0.5;
  int breaker_cool_down_seconds = 10;
};

struct Config {
  // [server]
  std::string name = "edgegw";
  std::string instructions;
  LogLevel log_level = LogLevel::kInfo;
  int client_request_timeout_seconds = 300;
  int upstream_startup_wait_seconds = 5;  // at startup, wait this long for upstreams
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
  // [queue]
  bool queue_enabled = true;
  std::string queue_file;           // empty: <data_dir>/queue.db
  std::string queue_sync = "full";  // "full" or "normal"
  size_t queue_max_records = 100000;
  int64_t queue_max_bytes = 256ll << 20;
  int queue_max_attempts = 8;
  // [telemetry]: traces over OTLP/HTTP (docs/telemetry.md). Empty endpoints: the
  // OTEL_EXPORTER_OTLP_* variables, else no tracing.
  std::string otlp_endpoint;
  std::string otlp_traces_endpoint;
  std::string otlp_protocol;      // empty: OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf"
  std::string otlp_service_name;  // empty: OTEL_SERVICE_NAME, else "edgegw"
  std::map<std::string, std::string> otlp_resource_attributes;  // beside OTEL_RESOURCE_ATTRIBUTES
  int64_t otlp_export_interval_ms = 1000;
  int64_t otlp_max_buffered_spans = 2048;

  // [models]: local GGUF models (docs/models.md)
  bool models_enabled = true;
  std::string models_dir;                // empty: <data_dir>/models
  std::vector<std::string> model_files;  // more GGUF files, each named by its file name
  int64_t models_memory_budget_mb = 1024;
  int models_threads = 0;  // 0: one per core
  int64_t models_context = 2048;
  int64_t models_cache_entries = 64;
  // A routed generate call with somewhere else to go waits this long for a busy engine.
  int64_t models_fallback_wait_ms = 2000;
  std::string sampling_model;  // answers upstreams' sampling/createMessage locally
  // [[upstream]]
  std::vector<UpstreamConfig> upstreams;
  // [[route]]: tool calls that follow a fallback chain of targets.
  struct RouteConfig {
    std::string tool;
    std::string prefix;
    std::vector<std::string> chain;
    bool queueable = false;
    std::string priority = "normal";
    int64_t ttl_seconds = 0;
  };
  std::vector<RouteConfig> routes;
};

// Parses TOML `text`; `source` names it in errors. kInvalidArgument on any problem.
Result<Config> ParseConfig(std::string_view text, std::string_view source);
// Reads and parses a file. kNotFound if it cannot be read.
Result<Config> LoadConfigFile(const std::string& path);

// `--upstream [NAME=]URL`: URL is http(s)://... or "stdio:COMMAND ARGS..." (split on
// spaces). Without NAME the upstream is mounted transparently (empty prefixes) and named
// "upstream<index>". kInvalidArgument with the reason otherwise.
Result<UpstreamConfig> ParseUpstreamFlag(std::string_view text, int index);
// Checks one upstream (name, exactly one of url/command) and fills defaulted prefixes.
// `where` prefixes error messages. `explicit_prefix`/`explicit_uri_prefix`: set by the user.
Status FinishUpstream(UpstreamConfig& u, bool explicit_prefix, bool explicit_uri_prefix,
                      const std::string& where);

// "HOST:PORT", "[v6]:PORT" or ":PORT" (host kept). kInvalidArgument otherwise.
Status ParseListenAddress(std::string_view text, std::string* host, uint16_t* port);

}  // namespace gw::server

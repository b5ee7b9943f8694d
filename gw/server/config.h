// Config: everything the gateway reads from its TOML file, with defaults that run as-is.
// A default that a module's options already have is taken from there (one place); the rest
// are the gateway's own. The format, every key and its default are documented in
// docs/configuration.md and config/edgegw.toml, which config_docs_test holds to this file.
//
// Errors name the file, the line and the key ("edgegw.toml:7: http.listen: expected
// HOST:PORT"), unknown keys included, so a typo never passes silently.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/base/log.h"
#include "gw/base/result.h"
#include "gw/catalog/catalog.h"
#include "gw/engine/model_manager.h"
#include "gw/queue/offline_queue.h"
#include "gw/resilience/circuit_breaker.h"
#include "gw/resilience/retry_policy.h"
#include "gw/tasks/queue_drain.h"
#include "gw/telemetry/otlp/otlp_exporter.h"
#include "gw/transport/http/http_server.h"
#include "gw/transport/stdio/stdio_transport.h"
#include "gw/upstream/upstream.h"

namespace gw::server {

template <class Duration>
constexpr int Seconds(Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}
template <class Duration>
constexpr int Millis(Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

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
  int timeout_seconds = Seconds(upstream::UpstreamOptions{}.call_timeout);
  int connect_timeout_seconds = 5;
  int ping_interval_seconds = Seconds(upstream::UpstreamOptions{}.ping_interval);
  std::vector<std::string> idempotent_tools;
  int retry_max_attempts = resilience::RetryPolicy{}.max_attempts;
  int retry_base_delay_ms = Millis(resilience::RetryPolicy{}.base_delay);
  int retry_max_delay_ms = Millis(resilience::RetryPolicy{}.max_delay);
  int breaker_window = static_cast<int>(resilience::CircuitBreakerOptions{}.window);
  int breaker_min_calls = static_cast<int>(resilience::CircuitBreakerOptions{}.min_calls);
  double breaker_failure_ratio = resilience::CircuitBreakerOptions{}.failure_ratio;
  int breaker_cool_down_seconds = Seconds(resilience::CircuitBreakerOptions{}.cool_down);
};

struct Config {
  // [server]
  std::string name = "edgegw";
  std::string instructions;
  LogLevel log_level = LogLevel::kInfo;
  int client_request_timeout_seconds = Seconds(protocol::SessionOptions{}.client_request_timeout);
  int upstream_startup_wait_seconds = 5;  // at startup, wait this long for upstreams
  // [http]
  bool http_enabled = true;
  std::string http_host = transport::HttpServerOptions{}.host;
  uint16_t http_port = transport::HttpServerOptions{}.port;
  std::string http_path = transport::HttpServerOptions{}.mcp_path;
  int io_threads = transport::HttpServerOptions{}.io_threads;
  size_t max_body_bytes = transport::HttpServerOptions{}.max_body_bytes;
  size_t max_sessions = transport::HttpServerOptions{}.max_sessions;
  int session_idle_seconds = transport::HttpServerOptions{}.session_idle_seconds;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  // [stdio]
  size_t max_line_bytes = transport::StdioOptions{}.max_line_bytes;
  // [catalog]
  std::vector<std::string> packs = {"core", "device"};
  size_t page_size = catalog::CatalogOptions{}.page_size;
  // [storage]
  std::string data_dir = "var";
  // [queue]
  bool queue_enabled = true;
  std::string queue_file;           // empty: <data_dir>/queue.db
  std::string queue_sync = "full";  // "full" or "normal"
  size_t queue_max_records = queue::QueueLimits{}.max_records;
  int64_t queue_max_bytes = static_cast<int64_t>(queue::QueueLimits{}.max_bytes);
  int queue_max_attempts = static_cast<int>(tasks::QueueDrainOptions{}.max_attempts);
  // [telemetry]: traces over OTLP/HTTP (docs/telemetry.md). Empty endpoints: the
  // OTEL_EXPORTER_OTLP_* variables, else no tracing.
  std::string otlp_endpoint;
  std::string otlp_traces_endpoint;
  std::string otlp_protocol;      // empty: OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf"
  std::string otlp_service_name;  // empty: OTEL_SERVICE_NAME, else "edgegw"
  std::map<std::string, std::string> otlp_resource_attributes;  // beside OTEL_RESOURCE_ATTRIBUTES
  int64_t otlp_export_interval_ms = Millis(telemetry::OtlpOptions{}.interval);
  int64_t otlp_max_buffered_spans =
      static_cast<int64_t>(telemetry::OtlpOptions{}.max_buffered_spans);

  // [models]: local GGUF models (docs/models.md)
  bool models_enabled = true;
  std::string models_dir;                // empty: <data_dir>/models
  std::vector<std::string> model_files;  // more GGUF files, each named by its file name
  int64_t models_memory_budget_mb =
      static_cast<int64_t>(engine::ModelManagerOptions{}.memory_budget_bytes >> 20);
  int models_threads = 0;  // 0: one per core
  int64_t models_context = engine::ModelManagerOptions{}.context;
  int64_t models_cache_entries =
      static_cast<int64_t>(engine::ModelManagerOptions{}.output_cache_entries);
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
// Every key of the file with its built-in default as TOML writes it ("server.name" ->
// "\"edgegw\"", "upstream.timeout_seconds" -> "60"), from the same list of keys the reader
// uses: the test that holds docs/configuration.md and config/edgegw.toml to the code reads it.
std::vector<std::pair<std::string, std::string>> ConfigDefaults();
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

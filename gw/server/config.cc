#include "gw/server/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "gw/server/internal/config_reader.h"

namespace gw::server {

using namespace internal;  // NOLINT: the config readers

Status ParseListenAddress(std::string_view text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("expected HOST:PORT, e.g. 127.0.0.1:8787 (got '" + std::string(text) +
                           "')");
  }
  std::string_view h = text.substr(0, colon);
  std::string_view p = text.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value > 65535) {
    return InvalidArgument("port must be a number from 0 to 65535 (got '" + std::string(p) + "')");
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (!h.empty()) *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return OkStatus();
}

namespace {

// The tables of the file and their keys: the one list that reading, errors and
// ConfigDefaults share. `listen` and `log_level` receive those two keys' text.
std::map<std::string, TableReader> ConfigTables(Config& c, std::string& listen,
                                                std::string& log_level, std::string_view source) {
  std::map<std::string, TableReader> tables;
  tables["server"] = {
      source,
      "server.",
      {{"name", String(&c.name)},
       {"instructions", String(&c.instructions)},
       {"log_level", String(&log_level)},
       {"client_request_timeout_seconds", Integer(&c.client_request_timeout_seconds, 1, 86400)},
       {"upstream_startup_wait_seconds", Integer(&c.upstream_startup_wait_seconds, 0, 600)}}};
  tables["http"] = {source,
                    "http.",
                    {{"enabled", Bool(&c.http_enabled)},
                     {"listen", String(&listen)},
                     {"path", String(&c.http_path)},
                     {"io_threads", Integer(&c.io_threads, 0, 256)},
                     {"max_body_bytes", Integer(&c.max_body_bytes, 1024, int64_t{1} << 30)},
                     {"max_sessions", Integer(&c.max_sessions, 1, 1 << 20)},
                     {"session_idle_seconds", Integer(&c.session_idle_seconds, 1, 7 * 86400)},
                     {"allowed_origins", StringList(&c.allowed_origins)},
                     {"allowed_hosts", StringList(&c.allowed_hosts)}}};
  tables["stdio"] = {
      source, "stdio.", {{"max_line_bytes", Integer(&c.max_line_bytes, 1024, int64_t{1} << 30)}}};
  tables["catalog"] = {
      source,
      "catalog.",
      {{"packs", StringList(&c.packs)}, {"page_size", Integer(&c.page_size, 1, 10000)}}};
  tables["storage"] = {source, "storage.", {{"data_dir", String(&c.data_dir)}}};
  tables["queue"] = {source,
                     "queue.",
                     {{"enabled", Bool(&c.queue_enabled)},
                      {"file", String(&c.queue_file)},
                      {"sync", String(&c.queue_sync)},
                      {"max_records", Integer(&c.queue_max_records, 1, 100000000)},
                      {"max_bytes", Integer(&c.queue_max_bytes, 4096, int64_t{1} << 40)},
                      {"max_attempts", Integer(&c.queue_max_attempts, 1, 1000)}}};
  tables["telemetry"] = {
      source,
      "telemetry.",
      {{"otlp_endpoint", String(&c.otlp_endpoint)},
       {"otlp_traces_endpoint", String(&c.otlp_traces_endpoint)},
       {"otlp_protocol", String(&c.otlp_protocol)},
       {"service_name", String(&c.otlp_service_name)},
       {"resource_attributes", StringMap(&c.otlp_resource_attributes)},
       {"export_interval_ms", Integer(&c.otlp_export_interval_ms, 10, 3600 * 1000)},
       {"max_buffered_spans", Integer(&c.otlp_max_buffered_spans, 1, 1 << 24)}}};
  tables["models"] = {
      source,
      "models.",
      {{"enabled", Bool(&c.models_enabled)},
       {"dir", String(&c.models_dir)},
       {"files", StringList(&c.model_files)},
       {"memory_budget_mb", Integer(&c.models_memory_budget_mb, 1, int64_t{1} << 30)},
       {"threads", Integer(&c.models_threads, 0, 1024)},
       {"context", Integer(&c.models_context, 16, 1 << 20)},
       {"cache_entries", Integer(&c.models_cache_entries, 0, 1 << 20)},
       {"fallback_wait_ms", Integer(&c.models_fallback_wait_ms, 0, 3600 * 1000)},
       {"sampling_model", String(&c.sampling_model)}}};

  return tables;
}

constexpr const char* kLogLevelNames[] = {"debug", "info", "warning", "error", "off"};

}  // namespace

Result<Config> ParseConfig(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(std::string(source) + ":" + std::to_string(e.source().begin.line) +
                           ": " + std::string(e.description()));
  }
  Config c;
  std::string listen;
  std::string log_level;
  std::map<std::string, TableReader> tables = ConfigTables(c, listen, log_level, source);
  for (const auto& [key, node] : root) {
    if (key.str() == "upstream") {
      GW_RETURN_IF_ERROR(ReadUpstreams(node, source, &c.upstreams));
      continue;
    }
    if (key.str() == "route") {
      GW_RETURN_IF_ERROR(ReadRoutes(node, source, &c.routes));
      continue;
    }
    auto it = tables.find(std::string(key.str()));
    if (it == tables.end()) {
      std::string known;
      for (const auto& [name, table] : tables) known += name + ", ";
      return InvalidArgument(Where(source, node) + ": " + std::string(key.str()) +
                             ": unknown section (expected " + known + "[[upstream]] or [[route]])");
    }
    const toml::table* table = node.as_table();
    if (!table)
      return InvalidArgument(Where(source, node) + ": " + std::string(key.str()) +
                             ": expected a [table]");
    GW_RETURN_IF_ERROR(it->second.Read(*table));
  }
  auto line_of = [&](const char* section, const char* key) {
    const toml::node* n = root.at_path(std::string(section) + "." + key).node();
    return n ? Where(source, *n) + ": " + section + "." + key
             : std::string(source) + ": " + section + "." + key;
  };
  if (!listen.empty()) {
    if (Status s = ParseListenAddress(listen, &c.http_host, &c.http_port); !s) {
      return InvalidArgument(line_of("http", "listen") + ": " + s.error().message());
    }
  }
  if (!log_level.empty() && !ParseLogLevel(log_level, &c.log_level)) {
    return InvalidArgument(line_of("server", "log_level") +
                           ": expected debug, info, warning, error or off");
  }
  if (c.http_path.empty() || c.http_path[0] != '/') {
    return InvalidArgument(line_of("http", "path") + ": must start with '/'");
  }
  if (c.queue_sync != "full" && c.queue_sync != "normal") {
    return InvalidArgument(line_of("queue", "sync") +
                           ": expected \"full\" (every commit survives power loss) or \"normal\"");
  }
  for (const std::string& pack : c.packs) {
    if (pack != "core" && pack != "device" && pack != "conformance") {
      return InvalidArgument(line_of("catalog", "packs") + ": unknown pack '" + pack +
                             "' (expected core, device or conformance)");
    }
  }
  return c;
}

std::vector<std::pair<std::string, std::string>> ConfigDefaults() {
  Config c;
  std::string listen = c.http_host + ":" + std::to_string(c.http_port);
  std::string log_level = kLogLevelNames[static_cast<int>(c.log_level)];
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, table] : ConfigTables(c, listen, log_level, "defaults")) table.Show(out);
  UpstreamConfig u;
  UpstreamFields(u, "defaults").Show(out);
  Config::RouteConfig r;
  RouteFields(r, "defaults").Show(out);
  return out;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read config file '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseConfig(buffer.str(), path);
}

}  // namespace gw::server

// edgegw: the command-line entry point. `edgegw serve` runs the gateway; `edgegw version`
// prints the version. All behaviour lives in gw/server; this file parses flags and waits for
// a signal.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include "gw/base/log.h"
#include "gw/server/client_command.h"
#include "gw/server/config.h"
#include "gw/server/gateway.h"
#include "gw/server/model_command.h"
#include "gw/server/queue_command.h"

namespace {

int Fail(const gw::Error& error) {
  std::fprintf(stderr, "edgegw: %s\n", error.message().c_str());
  return 1;
}

struct ServeFlags {
  std::string config_path;
  std::string listen;
  std::string log_level;
  std::vector<std::string> upstreams;
  bool stdio = false;
};

int Serve(const ServeFlags& flags) {
  gw::server::Config config;
  if (!flags.config_path.empty()) {
    auto loaded = gw::server::LoadConfigFile(flags.config_path);
    if (!loaded) return Fail(loaded.error());
    config = std::move(*loaded);
  }
  if (!flags.listen.empty()) {
    gw::Status s =
        gw::server::ParseListenAddress(flags.listen, &config.http_host, &config.http_port);
    if (!s) return Fail(gw::InvalidArgument("--listen: " + s.error().message()));
    config.http_enabled = true;
  } else if (flags.stdio) {
    config.http_enabled = false;  // stdio alone unless --listen asks for both
  }
  for (const auto& upstream : flags.upstreams) {
    auto u = gw::server::ParseUpstreamFlag(upstream, static_cast<int>(config.upstreams.size() + 1));
    if (!u) return Fail(u.error());
    for (const auto& existing : config.upstreams) {
      if (existing.name == u->name)
        return Fail(gw::InvalidArgument("--upstream: the name '" + u->name + "' is used twice"));
    }
    config.upstreams.push_back(std::move(*u));
  }
  if (!flags.log_level.empty() && !gw::ParseLogLevel(flags.log_level, &config.log_level)) {
    return Fail(gw::InvalidArgument("--log-level: expected debug, info, warning, error or off"));
  }
  gw::SetLogLevel(config.log_level);

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // peers vanish mid-write; we see EPIPE instead

  auto gateway = gw::server::Gateway::Create(config);
  if (!gateway) return Fail(gateway.error());
  if (gw::Status s = (*gateway)->StartHttp(); !s) return Fail(s.error());
  if (uint16_t port = (*gateway)->http_port()) {
    // Always printed (not a log line): scripts and tests read the bound port from it.
    std::string host = config.http_host.find(':') != std::string::npos
                           ? "[" + config.http_host + "]"
                           : config.http_host;
    std::fprintf(stderr,
                 "edgegw %s: MCP over Streamable HTTP at http://%s:%u%s (also /healthz, /readyz, "
                 "/metrics)\n",
                 gw::server::GatewayVersion().c_str(), host.c_str(), port,
                 config.http_path.c_str());
    std::fflush(stderr);
  }
  if (flags.stdio) {
    GW_LOG_INFO("MCP over stdio: one JSON-RPC message per line on stdin");
    gw::Status s = (*gateway)->ServeStdio();
    (*gateway)->Stop();
    (*gateway)->Wait();
    return s ? 0 : Fail(s.error());
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  GW_LOG_INFO("received %s, stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*gateway)->Stop();
  (*gateway)->Wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "edgegw: an MCP edge gateway. Serves MCP over Streamable HTTP and stdio with "
      "local tools; see README.md."};
  app.require_subcommand(1);
  ServeFlags flags;
  CLI::App* serve =
      app.add_subcommand("serve", "Run the gateway (HTTP on 127.0.0.1:8787 by default)");
  serve->add_option("-c,--config", flags.config_path, "TOML config file (see config/edgegw.toml)")
      ->check(CLI::ExistingFile);
  serve->add_option("-l,--listen", flags.listen,
                    "HOST:PORT for Streamable HTTP; overrides http.listen");
  serve->add_flag(
      "--stdio", flags.stdio,
      "Serve one MCP session on stdin/stdout (HTTP stays off unless --listen is given)");
  serve->add_option("--log-level", flags.log_level,
                    "debug, info, warning, error or off (to stderr)");
  serve
      ->add_option("-u,--upstream", flags.upstreams,
                   "Federate an MCP server: [NAME=]URL, URL http(s)://... or 'stdio:COMMAND ARGS'. "
                   "NAME prefixes its tools (NAME__tool); without NAME it is mounted as is. "
                   "Repeatable; adds to [[upstream]] in the config")
      ->allow_extra_args(false);
  serve->footer(
      "Endpoints: POST/GET/DELETE <http.path> (MCP), /healthz, /readyz, /metrics.\n"
      "Traces: set [telemetry] otlp_endpoint, or the OpenTelemetry variables\n"
      "  OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,\n"
      "  OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf or http/json), OTEL_SERVICE_NAME,\n"
      "  OTEL_RESOURCE_ATTRIBUTES (docs/telemetry.md).\n"
      "Every config key and its default: docs/configuration.md.");
  gw::server::ClientFlags client_flags;
  CLI::App* client = app.add_subcommand(
      "client", "Send one MCP request to a server and print the result as JSON on stdout");
  client
      ->add_option("target", client_flags.target,
                   "Server: http(s)://HOST:PORT/PATH or 'stdio:COMMAND ARGS'")
      ->required();
  client->add_option("method", client_flags.method, "MCP method, e.g. tools/list or tools/call");
  client->add_option("params", client_flags.params, "JSON params object (default {})");
  client->add_option("--timeout", client_flags.timeout_seconds,
                     "Seconds to wait for an answer (default 60)");
  client->add_flag(
      "--conformance", client_flags.conformance,
      "Run the conformance suite's client scenario named by $MCP_CONFORMANCE_SCENARIO");
  client->add_option("--log-level", flags.log_level,
                     "debug, info, warning, error or off (to stderr)");
  client->footer(
      "Example: edgegw client http://127.0.0.1:8787/mcp tools/call "
      "'{\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}}'");
  gw::server::QueueFlags queue_flags;
  CLI::App* queue =
      app.add_subcommand("queue", "Inspect and repair the offline queue (also while serving)");
  queue->require_subcommand(1);
  queue->add_option("-c,--config", queue_flags.config_path,
                    "Config file (finds storage.data_dir and queue.file)");
  queue->add_option("--file", queue_flags.file, "The queue's SQLite file (default var/queue.db)");
  queue->add_flag("--json", queue_flags.json, "One JSON document on stdout");
  auto filters = [&](CLI::App* c) {
    c->add_option("--state", queue_flags.state,
                  "queued, delivering, done, dead, cancelled or expired");
    c->add_option("--upstream", queue_flags.upstream, "Only this upstream");
  };
  CLI::App* q_ls = queue->add_subcommand("ls", "List queued requests and their states");
  filters(q_ls);
  q_ls->add_option("--limit", queue_flags.limit, "At most this many (default 100)");
  CLI::App* q_show = queue->add_subcommand("show", "Show one request, params and result included");
  q_show->add_option("id", queue_flags.id, "Task id, or #seq")->required();
  CLI::App* q_retry = queue->add_subcommand("retry", "Send a dead letter again");
  q_retry->add_option("id", queue_flags.id, "Task id, or #seq")->required();
  CLI::App* q_purge = queue->add_subcommand("purge", "Remove finished and dead requests");
  filters(q_purge);
  CLI::App* q_dead = queue->add_subcommand("dead-letter", "List the requests that were given up");
  CLI::App* q_corrupt =
      queue->add_subcommand("corrupt", "List records found corrupt and set aside, with why");
  for (CLI::App* c : {q_ls, q_show, q_retry, q_purge, q_dead, q_corrupt})
    c->fallthrough();  // --json etc. after it
  gw::server::ModelCommands model_commands(app);
  CLI::App* version = app.add_subcommand("version", "Print the version and exit");
  CLI11_PARSE(app, argc, argv);
  if (model_commands.parsed()) return model_commands.Run();
  if (queue->parsed()) {
    for (CLI::App* c : queue->get_subcommands()) {
      if (c->parsed()) queue_flags.command = c->get_name();
    }
    gw::SetLogLevel(gw::LogLevel::kError);
    return gw::server::RunQueueCommand(queue_flags);
  }
  if (client->parsed()) {
    gw::LogLevel level = gw::LogLevel::kWarning;
    if (!flags.log_level.empty() && !gw::ParseLogLevel(flags.log_level, &level)) {
      return Fail(gw::InvalidArgument("--log-level: expected debug, info, warning, error or off"));
    }
    gw::SetLogLevel(level);
    std::signal(SIGPIPE, SIG_IGN);
    return gw::server::RunClient(client_flags);
  }
  if (version->parsed()) {
    std::printf("edgegw %s\n", gw::server::GatewayVersion().c_str());
    return 0;
  }
  return Serve(flags);
}

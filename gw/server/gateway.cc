#include "gw/server/gateway.h"

#include <cstdio>

#include "gw/catalog/catalog.h"
#include "gw/catalog/conformance_pack.h"
#include "gw/catalog/core_pack.h"
#include "gw/platform/system_info.h"
#include "gw/server/device_pack.h"
#include "gw/telemetry/metrics.h"
#include "gw/transport/http/http_server.h"
#include "gw/transport/stdio/stdio_transport.h"

namespace gw::server {

const std::string& GatewayVersion() {
  static const std::string kVersion = "0.1.0";
  return kVersion;
}

namespace {

class GatewayImpl final : public Gateway {
 public:
  explicit GatewayImpl(const Config& config)
      : config_(config), metrics_(registry_), catalog_(CatalogOptionsFrom(config)) {
    registry_.AddGaugeFunction("edgegw_process_resident_memory_bytes",
                               "Resident set size of the gateway process.", [] {
                                 auto s = platform::ReadProcessStats();
                                 return s ? static_cast<double>(s->resident_bytes) : 0.0;
                               });
    registry_.AddGaugeFunction("edgegw_process_open_fds", "Open file descriptors.", [] {
      auto s = platform::ReadProcessStats();
      return s ? static_cast<double>(s->open_fds) : 0.0;
    });
    registry_.AddGaugeFunction("edgegw_catalog_tools", "Tools in the local catalog.",
                               [this] { return static_cast<double>(catalog_.tool_count()); });
  }

  ~GatewayImpl() override {
    Stop();
    Wait();
  }

  Status Init() {
    for (const std::string& pack : config_.packs) {
      if (pack == "core") GW_RETURN_IF_ERROR(catalog::AddCorePack(catalog_));
      if (pack == "device") GW_RETURN_IF_ERROR(AddDevicePack(catalog_, GatewayVersion()));
      if (pack == "conformance") GW_RETURN_IF_ERROR(catalog::AddConformancePack(catalog_));
    }
    return OkStatus();
  }

  Status StartHttp() override {
    if (!config_.http_enabled) return OkStatus();
    transport::HttpServerOptions o;
    o.host = config_.http_host;
    o.port = config_.http_port;
    o.mcp_path = config_.http_path;
    o.io_threads = config_.io_threads;
    o.max_body_bytes = config_.max_body_bytes;
    o.max_sessions = config_.max_sessions;
    o.session_idle_seconds = config_.session_idle_seconds;
    o.guard.allowed_origins = config_.allowed_origins;
    o.guard.allowed_hosts = config_.allowed_hosts;
    o.guard.loopback_only = transport::IsLoopbackName(config_.http_host);
    o.session.client_request_timeout = std::chrono::seconds(config_.client_request_timeout_seconds);
    GW_ASSIGN_OR_RETURN(http_, transport::StartHttpServer(
                                   o, catalog_, &metrics_,
                                   [this](std::string_view method, std::string_view path) {
                                     return Route(method, path);
                                   }));
    return OkStatus();
  }

  uint16_t http_port() const override { return http_ ? http_->port() : 0; }

  Status ServeStdio() override {
    transport::StdioOptions o;
    o.max_line_bytes = config_.max_line_bytes;
    o.session.client_request_timeout = std::chrono::seconds(config_.client_request_timeout_seconds);
    return transport::ServeStdio(0, 1, catalog_, &metrics_, o);
  }

  void Stop() override {
    if (http_) http_->Stop();
  }
  void Wait() override {
    if (http_) http_->Wait();
  }

 private:
  static catalog::CatalogOptions CatalogOptionsFrom(const Config& config) {
    catalog::CatalogOptions o;
    o.info.name = config.name;
    o.info.version = GatewayVersion();
    o.info.instructions = config.instructions;
    o.page_size = config.page_size;
    return o;
  }

  std::optional<transport::PlainResponse> Route(std::string_view method, std::string_view path) {
    if (method != "GET" && method != "HEAD") return std::nullopt;
    if (path == "/healthz") return transport::PlainResponse{200, "application/json", R"({"status":"ok"})"};
    if (path == "/readyz") {
      bool ready = catalog_.tool_count() > 0 || config_.packs.empty();
      return transport::PlainResponse{ready ? 200 : 503, "application/json",
                                      ready ? R"({"status":"ready"})" : R"({"status":"starting"})"};
    }
    if (path == "/metrics") {
      return transport::PlainResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                                      registry_.EncodePrometheus()};
    }
    return std::nullopt;
  }

  const Config config_;
  telemetry::Registry registry_;
  transport::TransportMetrics metrics_;
  catalog::Catalog catalog_;
  std::unique_ptr<transport::HttpServer> http_;
};

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::Create(const Config& config) {
  auto gateway = std::make_unique<GatewayImpl>(config);
  GW_RETURN_IF_ERROR(gateway->Init());
  return std::unique_ptr<Gateway>(std::move(gateway));
}

}  // namespace gw::server

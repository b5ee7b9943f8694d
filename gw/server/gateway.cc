#include "gw/server/gateway.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gw/base/check.h"
#include "gw/base/version.h"
#include "gw/catalog/catalog.h"
#if GW_HAS_CONFORMANCE_PACK
#include "gw/testing/conformance_pack.h"
#endif
#include "gw/catalog/core_pack.h"
#include "gw/pipeline/executor.h"
#include "gw/pipeline/filters.h"
#include "gw/pipeline/pipeline.h"
#include "gw/pipeline/tracing_filter.h"
#include "gw/platform/process.h"
#include "gw/platform/secure_random.h"
#include "gw/platform/system_info.h"
#include "gw/queue/sqlite/sqlite_queue.h"
#include "gw/router/route_table.h"
#include "gw/server/device_pack.h"
#include "gw/server/local_models.h"
#include "gw/server/route_targets.h"
#include "gw/tasks/queue_drain.h"
#include "gw/tasks/queue_metrics.h"
#include "gw/tasks/tasks.h"
#include "gw/telemetry/metrics.h"
#include "gw/telemetry/otlp/otlp_exporter.h"
#include "gw/transport/client/http_client_transport.h"
#include "gw/transport/client/stdio_client_transport.h"
#include "gw/transport/http/http_server.h"
#include "gw/transport/stdio/stdio_transport.h"
#include "gw/upstream/federation.h"
#include "gw/upstream/listing_codec.h"
#include "gw/upstream/upstream.h"

namespace gw::server {

const std::string& GatewayVersion() {
  static const std::string version(gw::kVersion);
  return version;
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
    registry_.AddCounterFunction(
        "edgegw_bugs_total",
        "Should-not-happen paths reached (GW_BUG); above 0 is a bug to report.",
        [] { return static_cast<double>(gw::internal::BugCount()); });
    registry_.AddCounterFunction("edgegw_process_cpu_seconds_total",
                                 "CPU time (user and system) the gateway has used.", [] {
                                   auto s = platform::ReadProcessStats();
                                   return s ? s->cpu_seconds : 0.0;
                                 });
    registry_.AddGaugeFunction("edgegw_system_load1", "The device's 1-minute load average.", [] {
      auto s = platform::ReadSystemInfo();
      return s ? s->load_1m : 0.0;
    });
    registry_.AddGaugeFunction("edgegw_system_memory_available_bytes",
                               "Memory the device can still give out (MemAvailable).", [] {
                                 auto s = platform::ReadSystemInfo();
                                 return s ? static_cast<double>(s->memory_available_bytes) : 0.0;
                               });
    registry_.AddGaugeFunction("edgegw_catalog_tools", "Tools in the local catalog.",
                               [this] { return static_cast<double>(catalog_.tool_count()); });
  }

  ~GatewayImpl() override {
    Stop();
    Wait();
  }

  // The conformance suite's fixtures are test code, linked into builds with tests only.
  Status AddConformanceFixtures() {
#if GW_HAS_CONFORMANCE_PACK
    return catalog::AddConformancePack(catalog_);
#else
    return FailedPrecondition(
        "catalog.packs: \"conformance\" holds the MCP conformance suite's fixtures, for "
        "edgegw's own tests; this build leaves them out (configure with "
        "-DGW_CONFORMANCE_PACK=ON, as the dev preset does)");
#endif
  }

  Status Init() {
    for (const std::string& pack : config_.packs) {
      if (pack == "core") GW_RETURN_IF_ERROR(catalog::AddCorePack(catalog_));
      if (pack == "device") GW_RETURN_IF_ERROR(AddDevicePack(catalog_, GatewayVersion()));
      if (pack == "conformance") GW_RETURN_IF_ERROR(AddConformanceFixtures());
    }
    GW_ASSIGN_OR_RETURN(local_models_, LocalModels::Create(config_, registry_));
    GW_RETURN_IF_ERROR(local_models_->Register(catalog_));
    if (config_.upstreams.empty() && !config_.routes.empty()) {
      return InvalidArgument("[[route]] needs at least one upstream to route to");
    }
    GW_ASSIGN_OR_RETURN(routes_, MakeRoutes());
    GW_RETURN_IF_ERROR(StartTracing());
    if (!config_.upstreams.empty()) GW_RETURN_IF_ERROR(StartUpstreams());
    BuildPipeline();
    return OkStatus();
  }

  // The service every transport serves: the request pipeline, in front of the federation
  // when upstreams are configured, else of the local catalog alone.
  protocol::Service& service() { return *pipeline_; }

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
                                   o, service(), &metrics_,
                                   [this](std::string_view method, std::string_view path) {
                                     return Route(method, path);
                                   },
                                   &io_));
    StartIoThreads();
    return OkStatus();
  }

  uint16_t http_port() const override { return http_ ? http_->port() : 0; }

  Status ServeStdio() override {
    transport::StdioOptions o;
    o.max_line_bytes = config_.max_line_bytes;
    o.session.client_request_timeout = std::chrono::seconds(config_.client_request_timeout_seconds);
    return transport::ServeStdio(0, 1, service(), &metrics_, o);
  }

  void Stop() override {
    if (stopping_.exchange(true)) return;
    if (http_) http_->Stop();
    if (drain_) drain_->Stop();
    if (federation_) federation_->Stop();
    // Let the servers' and upstreams' goodbyes (DELETE, child shutdown) run briefly, then
    // end the loop whatever is left.
    work_.reset();
    stopper_ = std::thread([this] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      MutexLock lock(stop_mu_);
      while (!loop_done_) {
        if (!stop_cv_.WaitUntil(stop_mu_, deadline)) {
          if (!loop_done_) io_.stop();
          return;
        }
      }
    });
  }
  void Wait() override {
    for (std::thread& t : io_threads_) {
      if (t.joinable()) t.join();
    }
    io_threads_.clear();
    {
      MutexLock lock(stop_mu_);
      loop_done_ = true;
    }
    stop_cv_.SignalAll();
    if (stopper_.joinable()) stopper_.join();
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

  // Traces go out over OTLP/HTTP when an endpoint is configured ([telemetry] or the
  // OTEL_EXPORTER_OTLP_* variables); without one there is no tracing filter at all.
  Status StartTracing() {
    telemetry::OtlpOptions o;
    o.endpoint = config_.otlp_endpoint;
    o.traces_url = config_.otlp_traces_endpoint;
    o.protocol = config_.otlp_protocol;
    if (!config_.otlp_service_name.empty()) o.service_name = config_.otlp_service_name;
    o.service_version = GatewayVersion();
    for (const auto& [key, value] : config_.otlp_resource_attributes)
      o.resource_attributes.emplace_back(key, value);
    o.interval = std::chrono::milliseconds(config_.otlp_export_interval_ms);
    o.max_buffered_spans = static_cast<size_t>(config_.otlp_max_buffered_spans);
    GW_RETURN_IF_ERROR(telemetry::OtlpOptionsFromEnv(o));
    if (o.endpoint.empty() && o.traces_url.empty()) return OkStatus();
    const std::string where = o.traces_url.empty() ? o.endpoint : o.traces_url;
    GW_ASSIGN_OR_RETURN(tracer_, telemetry::OtlpExporter::Start(std::move(o), &registry_));
    GW_LOG_INFO("traces: OTLP/HTTP to %s", where.c_str());
    return OkStatus();
  }

  Result<router::RouteTable> MakeRoutes() const {
    std::vector<router::Route> routes;
    std::vector<std::string> names;
    for (const auto& r : config_.routes) {
      router::Route route{r.tool, r.prefix, r.chain};
      route.queueable = r.queueable;
      queue::Priority priority = queue::Priority::kNormal;  // the config reader checked the name
      queue::ParsePriority(r.priority, &priority);
      route.priority = static_cast<int>(priority);
      route.ttl_seconds = r.ttl_seconds;
      routes.push_back(std::move(route));
    }
    for (const UpstreamConfig& u : config_.upstreams) names.push_back(u.name);
    return router::RouteTable::Make(std::move(routes), names);
  }

  // Every request passes the filters (metrics, routing) and the executor, which runs tool
  // calls on their targets and hands the rest to the federation or the catalog.
  void BuildPipeline() {
    pipeline::ExecutorTargets t;
    catalog_target_ = std::make_unique<CatalogTarget>(catalog_);
    t.catalog = catalog_target_.get();
    if (local_models_->model_count() > 0) {
      engine_target_ = local_models_->MakeTarget(catalog_);
      t.engine = engine_target_.get();
    }
    if (federation_) {
      for (const auto& up : upstreams_) {
        upstream_targets_.push_back(std::make_unique<UpstreamTarget>(*federation_, up));
        t.upstreams.push_back(upstream_targets_.back().get());
      }
      t.owner = [f = federation_.get()](std::string_view tool) { return f->ToolOwner(tool); };
      if (tasks_) {
        queue_target_ = std::make_unique<QueueTarget>(*tasks_, *federation_);
        t.queue = queue_target_.get();
        t.methods = [tasks = tasks_.get()](const protocol::CallPtr& call) {
          return tasks->Handle(call);
        };
      }
    }
    protocol::Service& inner = federation_ ? static_cast<protocol::Service&>(*federation_)
                                           : static_cast<protocol::Service&>(catalog_);
    executor_ = std::make_unique<pipeline::Executor>(inner, routes_, std::move(t));
    std::vector<std::unique_ptr<pipeline::Filter>> filters;
    filters.push_back(std::make_unique<pipeline::MetricsFilter>(registry_));
    if (tracer_) {
      filters.push_back(std::make_unique<pipeline::TracingFilter>(*tracer_, RealRandom()));
    }
    filters.push_back(std::make_unique<pipeline::RoutingFilter>(*executor_));
    pipeline_ = std::make_unique<pipeline::Pipeline>(inner, *executor_, std::move(filters));
  }

  Status StartUpstreams() {
    upstream_metrics_ = std::make_unique<upstream::UpstreamMetrics>(registry_);
    upstream::FederationOptions fo;
    fo.page_size = config_.page_size;
    fo.local_items = [this] {
      upstream::SourceItems items;
      items.tools = catalog_.Items(catalog::ListKind::kTools);
      items.resources = catalog_.Items(catalog::ListKind::kResources);
      items.templates = catalog_.Items(catalog::ListKind::kResourceTemplates);
      items.prompts = catalog_.Items(catalog::ListKind::kPrompts);
      return items;
    };
    for (const router::Route& r : routes_.routes()) {
      if (!r.tool.empty()) fo.routed_tools.emplace_back(r.tool, r.chain);
    }
    fo.tasks = config_.queue_enabled;
    fo.task_capable = [this](std::string_view tool) {
      const router::Route* route = routes_.Match(tool);
      return route && route->queueable;
    };
    // Set before the upstreams start (OpenQueue runs first), read on the I/O threads after.
    fo.on_ready = [this](const std::string& name) {
      if (drain_) drain_->Kick(name);
    };
    fo.save_listing = [this](const std::string& name, const upstream::UpstreamListing& listing) {
      SaveListing(name, listing);
    };
    federation_ = std::make_unique<upstream::Federation>(catalog_, fo);
    for (const UpstreamConfig& u : config_.upstreams) {
      GW_ASSIGN_OR_RETURN(upstream::TransportFactory factory, TransportsFor(u));
      upstream::UpstreamOptions o;
      o.name = u.name;
      o.call_timeout = std::chrono::seconds(u.timeout_seconds);
      o.ping_interval = std::chrono::seconds(u.ping_interval_seconds);
      o.idempotent_tools = u.idempotent_tools;
      o.retry.max_attempts = u.retry_max_attempts;
      o.retry.base_delay = std::chrono::milliseconds(u.retry_base_delay_ms);
      o.retry.max_delay = std::chrono::milliseconds(u.retry_max_delay_ms);
      o.breaker.window = static_cast<size_t>(u.breaker_window);
      o.breaker.min_calls = static_cast<size_t>(u.breaker_min_calls);
      o.breaker.failure_ratio = u.breaker_failure_ratio;
      o.breaker.cool_down = std::chrono::seconds(u.breaker_cool_down_seconds);
      o.client_version = GatewayVersion();
      o.initial_listing = LoadListing(u.name);
      o.local_sampling = local_models_->SamplingHandler();
      upstreams_.push_back(upstream::MakeUpstream(
          io_, o, std::move(factory), upstream_metrics_.get(), RealClock(), RealRandom()));
      federation_->Add({upstreams_.back(), u.prefix, u.uri_prefix});
    }
    if (config_.queue_enabled) GW_RETURN_IF_ERROR(OpenQueue());
    StartIoThreads();
    federation_->Start();
    if (drain_) GW_RETURN_IF_ERROR(drain_->Start());
    // Give upstreams a moment to connect, so the first tools/list already has their tools.
    // One that is down does not hold the gateway: it keeps reconnecting in the background.
    federation_->WaitForUpstreams(std::chrono::seconds(config_.upstream_startup_wait_seconds));
    return OkStatus();
  }

  // An upstream's listing is saved under <data_dir>/upstreams/, so a gateway restarted
  // while offline still lists (and queues calls for) what it saw before.
  std::string ListingPath(const std::string& name) const {
    return config_.data_dir + "/upstreams/" + name + ".json";
  }

  std::shared_ptr<const upstream::UpstreamListing> LoadListing(const std::string& name) {
    std::ifstream in(ListingPath(name));
    if (!in) return nullptr;
    std::stringstream text;
    text << in.rdbuf();
    auto listing = upstream::DecodeListing(text.str());
    if (!listing) {
      GW_LOG_WARNING("ignoring %s: %s", ListingPath(name).c_str(),
                     listing.error().message().c_str());
      return nullptr;
    }
    GW_LOG_INFO("upstream '%s': %zu tool(s) known from the last run", name.c_str(),
                listing->tools.size());
    return std::make_shared<const upstream::UpstreamListing>(std::move(*listing));
  }

  void SaveListing(const std::string& name, const upstream::UpstreamListing& listing) {
    MutexLock lock(save_mu_);
    std::string path = ListingPath(name);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << upstream::EncodeListing(listing, RealClock().WallMillis());
      if (!out.flush()) {
        GW_LOG_WARNING("cannot save %s", path.c_str());
        return;
      }
    }
    std::filesystem::rename(tmp, path, ec);  // atomic: a reader never sees half a file
    if (ec) GW_LOG_WARNING("cannot save %s: %s", path.c_str(), ec.message().c_str());
  }

  // The offline queue: a SQLite file, the tasks on top of it, and the drain that delivers.
  Status OpenQueue() {
    std::string file =
        config_.queue_file.empty() ? config_.data_dir + "/queue.db" : config_.queue_file;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path().empty()
                                            ? std::filesystem::path(".")
                                            : std::filesystem::path(file).parent_path(),
                                        ec);
    queue::SqliteQueueOptions qo;
    qo.path = file;
    qo.limits.max_records = config_.queue_max_records;
    qo.limits.max_bytes = static_cast<uint64_t>(config_.queue_max_bytes);
    qo.sync = config_.queue_sync == "normal" ? queue::SyncMode::kNormal : queue::SyncMode::kFull;
    GW_ASSIGN_OR_RETURN(queue_, queue::OpenSqliteQueue(qo));
    queue_metrics_ = std::make_unique<tasks::QueueMetrics>(registry_);
    tasks_ = std::make_unique<tasks::TaskBook>(*queue_, RealClock(), platform::SecureRandom(),
                                               queue_metrics_.get());
    tasks::QueueDrainOptions dro;
    dro.max_attempts = static_cast<uint32_t>(config_.queue_max_attempts);
    drain_ = std::make_shared<tasks::QueueDrain>(io_, *queue_, dro, RealClock(), RealRandom(),
                                                 queue_metrics_.get());
    for (const auto& up : upstreams_) drain_->Add(up);
    drain_->SetListener([this](const queue::Record& r) { tasks_->Finished(r); });
    tasks_->SetOnQueued([this](const std::string& upstream) { drain_->Kick(upstream); });
    GW_LOG_INFO("offline queue: %s (sync %s)", file.c_str(), config_.queue_sync.c_str());
    return OkStatus();
  }

  void StartIoThreads() {
    if (!io_threads_.empty()) return;
    int n = config_.io_threads > 0 ? config_.io_threads
                                   : static_cast<int>(std::thread::hardware_concurrency());
    for (int i = 0; i < std::max(1, n); ++i) io_threads_.emplace_back([this] { io_.run(); });
  }

  Result<upstream::TransportFactory> TransportsFor(const UpstreamConfig& u) {
    if (!u.command.empty()) {
      transport::StdioTransportOptions so;
      so.process.argv = u.command;
      so.process.env.assign(u.env.begin(), u.env.end());
      so.process.cwd = u.cwd;
      so.max_line_bytes = config_.max_line_bytes;
      return upstream::TransportFactory([this, so] {
        return transport::MakeStdioTransport(io_, platform::SystemProcessSpawner(), so);
      });
    }
    transport::HttpTransportOptions ho;
    GW_ASSIGN_OR_RETURN(ho.url, transport::ParseUrl(u.url));
    ho.headers.assign(u.headers.begin(), u.headers.end());
    ho.bearer_token = u.bearer_token;
    if (!u.bearer_token_env.empty()) {
      const char* token = std::getenv(u.bearer_token_env.c_str());
      if (!token || !*token) {
        return InvalidArgument("upstream '" + u.name + "': bearer_token_env names $" +
                               u.bearer_token_env + ", which is not set");
      }
      ho.bearer_token = token;
    }
    ho.ca_file = u.ca_file;
    ho.verify_tls = u.tls_verify;
    ho.connect_timeout = std::chrono::seconds(u.connect_timeout_seconds);
    ho.header_timeout = std::chrono::seconds(u.timeout_seconds);
    // Validate TLS settings now, so a bad CA file fails at startup rather than per connect.
    GW_RETURN_IF_ERROR(transport::MakeHttpTransport(io_, ho));
    return upstream::TransportFactory(
        [this, ho] { return *transport::MakeHttpTransport(io_, ho); });
  }

  std::optional<transport::PlainResponse> Route(std::string_view method, std::string_view path) {
    if (method != "GET" && method != "HEAD") return std::nullopt;
    if (path == "/healthz")
      return transport::PlainResponse{200, "application/json", R"({"status":"ok"})"};
    if (path == "/readyz") {
      // Ready when local tools are served; upstreams are reported, since the gateway serves
      // (and falls back) without them.
      bool ready = catalog_.tool_count() > 0 || config_.packs.empty();
      std::string body = ready ? R"({"status":"ready")" : R"({"status":"starting")";
      if (federation_) body += R"(,"upstreams":)" + federation_->StatusJson();
      body += "}";
      return transport::PlainResponse{ready ? 200 : 503, "application/json", std::move(body)};
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
  std::unique_ptr<LocalModels> local_models_;  // after catalog_: gone before its handlers are
  // One io_context for the HTTP server and the upstreams (DESIGN "Threads"): a proxied call
  // stays on the same threads instead of crossing between loops.
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::vector<std::thread> io_threads_;
  std::atomic<bool> stopping_{false};
  // Stop() gives the loop 500 ms to finish goodbyes (DELETE, child shutdown), then stops it.
  std::thread stopper_;
  Mutex stop_mu_;
  CondVar stop_cv_;
  bool loop_done_ GW_GUARDED_BY(stop_mu_) = false;

  std::unique_ptr<upstream::UpstreamMetrics> upstream_metrics_;
  std::vector<std::shared_ptr<upstream::Upstream>> upstreams_;
  Mutex save_mu_;  // one listing write at a time (guards the files, no field)

  queue::OfflineQueuePtr queue_;
  std::unique_ptr<tasks::QueueMetrics> queue_metrics_;
  std::unique_ptr<tasks::TaskBook> tasks_;
  std::shared_ptr<tasks::QueueDrain> drain_;
  std::unique_ptr<upstream::Federation> federation_;

  // The request pipeline and the targets its executor runs tool calls on.
  std::unique_ptr<telemetry::OtlpExporter> tracer_;  // null without an OTLP endpoint
  router::RouteTable routes_;
  std::unique_ptr<CatalogTarget> catalog_target_;
  std::unique_ptr<pipeline::Target> engine_target_;
  std::vector<std::unique_ptr<UpstreamTarget>> upstream_targets_;
  std::unique_ptr<QueueTarget> queue_target_;
  std::unique_ptr<pipeline::Executor> executor_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unique_ptr<transport::HttpServer> http_;
};

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::Create(const Config& config) {
  auto gateway = std::make_unique<GatewayImpl>(config);
  GW_RETURN_IF_ERROR(gateway->Init());
  return std::unique_ptr<Gateway>(std::move(gateway));
}

}  // namespace gw::server

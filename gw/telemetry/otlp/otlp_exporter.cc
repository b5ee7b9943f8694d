#include "gw/telemetry/otlp/otlp_exporter.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>

#include "gw/base/log.h"

namespace gw::telemetry {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = s.find_first_not_of(" \t");
  return i == std::string::npos ? std::string() : s.substr(i);
}

// Percent-decoding as OTEL_RESOURCE_ATTRIBUTES allows (W3C Baggage's value encoding).
Result<std::string> PercentDecode(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out.push_back(v[i]);
      continue;
    }
    if (i + 2 >= v.size() || !std::isxdigit(static_cast<unsigned char>(v[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
      return InvalidArgument("a bad percent escape in '" + std::string(v) + "'");
    }
    out.push_back(static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

}  // namespace

Status OtlpOptionsFromEnv(OtlpOptions& o) {
  if (o.endpoint.empty()) o.endpoint = Env("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (o.traces_url.empty()) o.traces_url = Env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (o.protocol.empty()) o.protocol = Env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
  if (o.protocol.empty()) o.protocol = Env("OTEL_EXPORTER_OTLP_PROTOCOL");
  if (std::string name = Env("OTEL_SERVICE_NAME"); !name.empty() && o.service_name == "edgegw")
    o.service_name = name;
  std::string attrs = Env("OTEL_RESOURCE_ATTRIBUTES");
  size_t start = 0;
  while (start < attrs.size()) {
    size_t comma = attrs.find(',', start);
    std::string pair =
        attrs.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? attrs.size() : comma + 1;
    if (Trim(pair).empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string::npos || Trim(pair.substr(0, eq)).empty()) {
      return InvalidArgument("OTEL_RESOURCE_ATTRIBUTES: '" + pair +
                             "' is not key=value (pairs are separated by commas)");
    }
    GW_ASSIGN_OR_RETURN(std::string value, PercentDecode(Trim(pair.substr(eq + 1))));
    o.resource_attributes.emplace_back(Trim(pair.substr(0, eq)), std::move(value));
  }
  return OkStatus();
}

Result<std::unique_ptr<OtlpExporter>> OtlpExporter::Start(OtlpOptions options, Registry* registry) {
  std::string url = options.traces_url;
  if (url.empty()) {
    url = options.endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/v1/traces";
  }
  if (url.rfind("https://", 0) == 0) {
    return InvalidArgument("OTLP endpoint '" + url +
                           "': https is not supported yet; export to a collector over http "
                           "(on the device or the local network)");
  }
  if (url.rfind("http://", 0) != 0) {
    return InvalidArgument("OTLP endpoint '" + url + "' is not an http:// URL");
  }
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Target t;
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    t.host = authority.substr(0, colon);
    t.port = authority.substr(colon + 1);
  } else {
    t.host = authority;
    t.port = "80";
  }
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']')
    t.host = t.host.substr(1, t.host.size() - 2);
  if (t.host.empty() || t.port.empty() ||
      !std::all_of(t.port.begin(), t.port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument("OTLP endpoint '" + url + "': cannot read its host and port");
  }
  GW_ASSIGN_OR_RETURN(
      OtlpProtocol protocol,
      ParseOtlpProtocol(options.protocol.empty() ? "http/protobuf" : options.protocol));
  return std::unique_ptr<OtlpExporter>(new OtlpExporter(std::move(options), protocol, t, registry));
}

OtlpExporter::OtlpExporter(OtlpOptions options, OtlpProtocol protocol, Target target,
                           Registry* registry)
    : options_(std::move(options)),
      encoder_(protocol, OtlpResource{options_.service_name, options_.service_version,
                                      options_.resource_attributes}),
      target_(std::move(target)),
      chunk_spans_(std::clamp<size_t>(options_.max_buffered_spans / 8, 1, 64)) {
  if (registry) {
    exported_ =
        &registry
             ->AddCounter("edgegw_trace_spans_exported_total", "Spans the OTLP collector accepted.")
             .With({});
    dropped_ = &registry
                    ->AddCounter("edgegw_trace_spans_dropped_total",
                                 "Spans dropped, oldest first, while the buffer was full.")
                    .With({});
    failures_ = &registry
                     ->AddCounter("edgegw_trace_export_failures_total",
                                  "OTLP export requests that did not reach a 2xx answer.")
                     .With({});
    registry->AddGaugeFunction("edgegw_trace_spans_buffered", "Spans waiting to be exported.",
                               [this] {
                                 MutexLock lock(mu_);
                                 return static_cast<double>(buffered_);
                               });
  }
  thread_ = std::thread([this] { Loop(); });
}

OtlpExporter::~OtlpExporter() { Stop(); }

void OtlpExporter::Stop() {
  {
    MutexLock lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void OtlpExporter::Record(std::span<const Span> spans) {
  bool full_batch;
  {
    MutexLock lock(mu_);
    if (stop_) return;
    for (const Span& span : spans) {
      if (chunks_.empty() || chunks_.back().spans >= chunk_spans_) {
        chunks_.emplace_back();
        chunks_.back().bytes.reserve(chunk_spans_ * 256);
      }
      encoder_.AppendSpan(span, chunks_.back().bytes);
      ++chunks_.back().spans;
      ++buffered_;
    }
    DropOldest();
    full_batch = buffered_ >= options_.max_batch_spans;
  }
  if (full_batch) cv_.Signal();
}

void OtlpExporter::DropOldest() {
  while (buffered_ > options_.max_buffered_spans && chunks_.size() > 1) {
    if (dropped_) dropped_->Add(chunks_.front().spans);
    buffered_ -= chunks_.front().spans;
    chunks_.pop_front();
  }
}

void OtlpExporter::Loop() {
  std::chrono::milliseconds backoff{0};
  for (;;) {
    std::vector<Chunk> batch;
    size_t batch_spans = 0;
    bool stopping;
    {
      MutexLock lock(mu_);
      const auto wait = backoff.count() ? backoff : options_.interval;
      const auto deadline = std::chrono::steady_clock::now() + wait;
      while (!stop_ && (backoff.count() || buffered_ < options_.max_batch_spans)) {
        if (!cv_.WaitUntil(mu_, deadline)) break;
      }
      stopping = stop_;
      while (!chunks_.empty() &&
             (batch.empty() || batch_spans + chunks_.front().spans <= options_.max_batch_spans)) {
        batch_spans += chunks_.front().spans;
        batch.push_back(std::move(chunks_.front()));
        chunks_.pop_front();
      }
      buffered_ -= batch_spans;
    }
    if (!batch.empty()) {
      std::vector<std::string_view> pieces;
      pieces.reserve(batch.size());
      for (const Chunk& c : batch) pieces.emplace_back(c.bytes);
      Status sent = Post(encoder_.Body(pieces));
      if (sent) {
        if (exported_) exported_->Add(batch_spans);
        backoff = std::chrono::milliseconds(0);
      } else {
        if (failures_) failures_->Add();
        GW_LOG_DEBUG("otlp: %s", sent.error().message().c_str());
        // Back to the front, still within the bound: the oldest go first if it overflows.
        MutexLock lock(mu_);
        for (size_t i = batch.size(); i-- > 0;) {
          buffered_ += batch[i].spans;
          chunks_.push_front(std::move(batch[i]));
        }
        DropOldest();
        backoff = std::min(options_.max_backoff, std::max(options_.interval, backoff * 2));
        if (stopping) return;  // the collector is away: nothing more to do
      }
    }
    if (stopping) {
      MutexLock lock(mu_);
      if (chunks_.empty()) return;
    }
  }
}

Status OtlpExporter::Post(std::string body) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  http::request<http::string_body> req{http::verb::post, target_.path, 11};
  req.set(http::field::host, target_.host + ":" + target_.port);
  req.set(http::field::content_type, encoder_.content_type());
  req.set(http::field::user_agent, "edgegw-otlp");
  req.body() = std::move(body);
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code failed;
  stream.expires_after(options_.timeout);
  resolver.async_resolve(
      target_.host, target_.port,
      [&](beast::error_code ec, const asio::ip::tcp::resolver::results_type& results) {
        if (ec) return (void)(failed = ec);
        stream.async_connect(results, [&](beast::error_code ec, const auto&) {
          if (ec) return (void)(failed = ec);
          http::async_write(stream, req, [&](beast::error_code ec, size_t) {
            if (ec) return (void)(failed = ec);
            http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
              if (ec) failed = ec;
              beast::error_code ignored;
              stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            });
          });
        });
      });
  io.run();
  if (failed) {
    return Unavailable("OTLP export to " + target_.host + ":" + target_.port +
                       " failed: " + failed.message());
  }
  const unsigned status = res.result_int();
  if (status < 200 || status >= 300) {
    return Unavailable("OTLP collector answered HTTP " + std::to_string(status));
  }
  return OkStatus();
}

}  // namespace gw::telemetry

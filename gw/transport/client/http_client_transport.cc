// Streamable HTTP client: connections (keep-alive pool, TLS), one request/response exchange
// with stale-connection detection, body reading, and the transport's public face.
#include "gw/transport/client/http_client_transport.h"

#include <boost/beast/http.hpp>

#include "gw/base/log.h"
#include "gw/base/version.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/transport/client/internal/http_transport.h"

namespace gw::transport {
namespace internal {

namespace http = beast::http;
using Resolver = asio::ip::basic_resolver<tcp, Executor>;
using resilience::Failure;
using resilience::FailureKind;

void Conn::Close() {
  beast::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().close();
}

HttpTransport::HttpTransport(asio::io_context& io, HttpTransportOptions options,
                             std::unique_ptr<ssl::context> tls)
    : strand_(asio::make_strand(io)),
      options_(std::move(options)),
      tls_(std::move(tls)),
      host_header_(options_.url.HostHeader()) {}

Status HttpTransport::Start(TransportEvents events) {
  events_ = std::move(events);
  return OkStatus();
}

void HttpTransport::SendRequest(std::string message, const std::string& id) {
  asio::co_spawn(strand_, Post(shared_from_this(), std::move(message), id), asio::detached);
}

void HttpTransport::Initialized(const std::string& protocol_version,
                                std::function<void()> listening) {
  asio::post(strand_,
             [self = shared_from_this(), protocol_version, listening = std::move(listening)] {
               self->protocol_version_ = protocol_version;
               if (self->closed_) {
                 if (listening) listening();
                 return;
               }
               asio::co_spawn(self->strand_, Listen(self, listening), asio::detached);
             });
}

void HttpTransport::Abandon(const std::string& id) {
  asio::post(strand_, [self = shared_from_this(), id] {
    self->abandoned_.insert(id);
    auto it = self->streams_.find(id);
    if (it != self->streams_.end()) it->second->Close();
  });
}

void HttpTransport::Close() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    self->DropIdle();
    for (auto& [id, conn] : self->streams_) conn->Close();
    if (self->listen_conn_) self->listen_conn_->Close();
    if (!self->session_id_.empty() && !self->lost_) {
      asio::co_spawn(self->strand_, Delete(self), asio::detached);
    }
  });
}

std::string HttpTransport::Wire(std::string_view method, std::string_view body,
                                std::string_view last_event_id) const {
  HeaderList h;
  h.reserve(8 + options_.headers.size());
  h.emplace_back("User-Agent", "edgegw/" + std::string(kVersion));
  if (method == "POST") {
    h.emplace_back("Accept", "application/json, text/event-stream");
    h.emplace_back("Content-Type", "application/json");
  } else if (method == "GET") {
    h.emplace_back("Accept", "text/event-stream");
  }
  if (!session_id_.empty()) h.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) h.emplace_back("MCP-Protocol-Version", protocol_version_);
  if (!last_event_id.empty()) h.emplace_back("Last-Event-ID", std::string(last_event_id));
  if (!options_.bearer_token.empty())
    h.emplace_back("Authorization", "Bearer " + options_.bearer_token);
  for (const auto& header : options_.headers) h.push_back(header);
  // W3C trace context: the Upstream puts the hop's traceparent in params._meta; HTTP
  // tracing (proxies, collectors) reads it from the header.
  if (size_t at = body.find("\"traceparent\":\"");
      at != std::string_view::npos && body.size() >= at + 15 + 55) {
    std::string_view value = body.substr(at + 15, 55);
    if (value.find_first_of("\"\\\r\n") == std::string_view::npos)
      h.emplace_back("traceparent", std::string(value));
  }
  return FormatRequest(method, options_.url.target, host_header_, h, body);
}

Task<ConnPtr> HttpTransport::Connect(beast::error_code& ec) {
  auto conn = std::make_unique<Conn>();
  Resolver resolver(strand_);
  auto endpoints = co_await resolver.async_resolve(
      options_.url.host, std::to_string(options_.url.port), asio::redirect_error(kUseTask, ec));
  if (ec) co_return nullptr;
  if (tls_) {
    conn->tls = std::make_unique<TlsStream>(Stream(strand_), *tls_);
  } else {
    conn->plain = std::make_unique<Stream>(strand_);
  }
  Stream& tcp = conn->tcp();
  tcp.expires_after(options_.connect_timeout);
  co_await tcp.async_connect(endpoints, asio::redirect_error(kUseTask, ec));
  if (ec) co_return nullptr;
  tcp.socket().set_option(tcp::no_delay(true), ec);
  if (tls_) {
    beast::error_code not_ip;
    asio::ip::make_address(options_.url.host, not_ip);
    // SNI names hosts, never IP addresses (RFC 6066 §3).
    if (not_ip &&
        !SSL_set_tlsext_host_name(conn->tls->native_handle(), options_.url.host.c_str())) {
      ec = beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
      co_return nullptr;
    }
    if (options_.verify_tls)
      conn->tls->set_verify_callback(ssl::host_name_verification(options_.url.host));
    co_await conn->tls->async_handshake(ssl::stream_base::client,
                                        asio::redirect_error(kUseTask, ec));
    if (ec) co_return nullptr;
  }
  co_return conn;
}

Task<ConnPtr> HttpTransport::Acquire(beast::error_code& ec) {
  if (!idle_.empty()) {
    ConnPtr conn = std::move(idle_.back());
    idle_.pop_back();
    conn->reused = true;
    co_return conn;
  }
  co_return co_await Connect(ec);
}

void HttpTransport::Release(ConnPtr conn, const ResponseReader& reader) {
  if (closed_ || !reader.is_done() || !reader.keep_alive() ||
      idle_.size() >= options_.max_idle_connections) {
    conn->Close();
    return;
  }
  conn->reused = false;
  idle_.push_back(std::move(conn));
}

void HttpTransport::DropIdle() {
  for (auto& conn : idle_) conn->Close();
  idle_.clear();
}

// Writes `wire` and reads the response header on a kept-alive or new connection. A reused
// connection that the server had closed is detected (nothing came back) and the request is
// sent once more on a new one: the server cannot have seen it.
Task<ConnPtr> HttpTransport::Exchange(const std::string& wire, ResponseReader& reader,
                                      std::optional<Failure>& failure, std::string& detail) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    ConnPtr conn = co_await Acquire(ec);
    if (ec || !conn) {
      failure = Failure{FailureKind::kConnectRefused, {}};
      detail = "cannot connect to " + Describe() + ": " + ec.message();
      co_return nullptr;
    }
    bool reused = conn->reused;
    conn->tcp().expires_after(options_.header_timeout);
    if (conn->tls) {
      co_await asio::async_write(*conn->tls, asio::buffer(wire),
                                 asio::redirect_error(kUseTask, ec));
    } else {
      co_await asio::async_write(*conn->plain, asio::buffer(wire),
                                 asio::redirect_error(kUseTask, ec));
    }
    if (ec) {
      conn->Close();
      if (reused) {
        DropIdle();
        continue;
      }
      failure = Failure{FailureKind::kResetBeforeSend, {}};
      detail = "sending to " + Describe() + " failed: " + ec.message();
      co_return nullptr;
    }
    if (conn->tls) {
      co_await http::async_read_header(*conn->tls, conn->buffer, reader,
                                       asio::redirect_error(kUseTask, ec));
    } else {
      co_await http::async_read_header(*conn->plain, conn->buffer, reader,
                                       asio::redirect_error(kUseTask, ec));
    }
    if (ec) {
      conn->Close();
      bool nothing_came = ec == http::error::end_of_stream || ec == asio::error::eof ||
                          ec == asio::error::connection_reset;
      if (reused && nothing_came && !reader.got_some()) {
        DropIdle();
        continue;
      }
      bool timeout = ec == beast::error::timeout;
      failure = Failure{timeout ? FailureKind::kTimeout : FailureKind::kResetAfterSend, {}};
      detail = timeout ? Describe() + " did not answer in time"
                       : Describe() + " dropped the connection before answering: " + ec.message();
      co_return nullptr;
    }
    co_return conn;
  }
  failure = Failure{FailureKind::kResetBeforeSend, {}};
  detail = Describe() + " closed the connection twice before reading the request";
  co_return nullptr;
}

// Reads the rest of a body into reader.body(). For SSE (decoder set), each event goes to
// on_message (related to `id`) and `answered` is set when our response arrives. Returns
// false if the stream broke or a JSON body outgrew its bound.
Task<bool> HttpTransport::ReadBody(Conn& conn, ResponseReader& reader,
                                   transport::SseDecoder* decoder, const std::string& id,
                                   bool* answered) {
  auto feed = [&]() -> bool {
    if (!decoder) return true;
    Status fed = decoder->Feed(reader.body(), [&](const transport::SseEvent& event) {
      if (event.data.empty()) return;  // priming events carry only an id
      if (!id.empty() && answered && !*answered) {
        auto m = protocol::ParseMessage(event.data);
        if (m && m->is_response() && m->id() == id) *answered = true;
      }
      if (events_.on_message) events_.on_message(event.data, id);
    });
    reader.body().clear();
    if (!fed) GW_LOG_WARNING("%s: %s", Describe().c_str(), fed.error().message().c_str());
    return fed.has_value();
  };
  if (!feed()) co_return false;  // bytes that came with the header
  while (!reader.is_done()) {
    beast::error_code ec;
    if (decoder) {
      conn.tcp().expires_never();
    } else {
      conn.tcp().expires_after(options_.header_timeout);
    }
    if (conn.tls) {
      co_await http::async_read_some(*conn.tls, conn.buffer, reader,
                                     asio::redirect_error(kUseTask, ec));
    } else {
      co_await http::async_read_some(*conn.plain, conn.buffer, reader,
                                     asio::redirect_error(kUseTask, ec));
    }
    if (ec) co_return false;
    if (!feed()) co_return false;
  }
  co_return true;
}

void HttpTransport::Fail(const std::string& id, Failure failure, std::string detail) {
  if (id.empty()) {
    GW_LOG_WARNING("%s: a notification was lost: %s", Describe().c_str(), detail.c_str());
    return;
  }
  if (events_.on_request_failed) events_.on_request_failed(id, failure, std::move(detail));
}

void HttpTransport::SessionLost() {
  if (lost_ || closed_) return;
  lost_ = true;
  if (events_.on_closed) events_.on_closed(NotFound(Describe() + " ended our session (HTTP 404)"));
}

}  // namespace internal

Result<std::shared_ptr<UpstreamTransport>> MakeHttpTransport(boost::asio::io_context& io,
                                                             HttpTransportOptions options) {
  for (const auto& [name, value] : options.headers) GW_RETURN_IF_ERROR(CheckHeader(name, value));
  GW_RETURN_IF_ERROR(CheckHeader("Authorization", options.bearer_token));
  std::unique_ptr<internal::ssl::context> tls;
  if (options.url.tls) {
    tls = std::make_unique<internal::ssl::context>(internal::ssl::context::tls_client);
    internal::beast::error_code ec;
    if (options.verify_tls) {
      tls->set_verify_mode(internal::ssl::verify_peer, ec);
      if (options.ca_file.empty()) {
        tls->set_default_verify_paths(ec);
      } else {
        tls->load_verify_file(options.ca_file, ec);
      }
      if (ec) {
        return InvalidArgument(
            "cannot load CA certificates" +
            (options.ca_file.empty() ? std::string() : " from " + options.ca_file) + ": " +
            ec.message());
      }
    } else {
      tls->set_verify_mode(internal::ssl::verify_none, ec);
    }
  }
  return std::shared_ptr<UpstreamTransport>(
      std::make_shared<internal::HttpTransport>(io, std::move(options), std::move(tls)));
}

}  // namespace gw::transport

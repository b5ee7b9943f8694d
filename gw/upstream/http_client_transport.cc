#include "gw/upstream/http_client_transport.h"

#include <limits>
#include <map>
#include <optional>
#include <set>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/transport/http/sse_codec.h"

namespace gw::upstream {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Executor = asio::strand<asio::io_context::executor_type>;
template <class T>
using Task = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> kUseTask{};
using Stream = beast::basic_stream<tcp, Executor>;
using TlsStream = beast::ssl_stream<Stream>;
using Resolver = asio::ip::basic_resolver<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
using HttpRequest = http::request<http::string_body>;
using Parser = http::response_parser<http::string_body>;
using resilience::Failure;
using resilience::FailureKind;

// One kept-alive connection, plain or TLS.
struct Conn {
  std::unique_ptr<Stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;
  bool reused = false;
  Stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void Close() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }
};
using ConnPtr = std::unique_ptr<Conn>;

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  // Seconds only; an HTTP date is rare from MCP servers and is treated as absent.
  if (value.empty() || value.size() > 6 ||
      value.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::stoi(std::string(value)));
}

std::string Excerpt(std::string_view body) {
  std::string s(body.substr(0, 200));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

class HttpTransport final : public UpstreamTransport,
                            public std::enable_shared_from_this<HttpTransport> {
 public:
  HttpTransport(asio::io_context& io, HttpTransportOptions options,
                std::unique_ptr<ssl::context> tls)
      : strand_(asio::make_strand(io)), options_(std::move(options)), tls_(std::move(tls)) {}

  Status Start(TransportEvents events) override {
    events_ = std::move(events);
    return OkStatus();
  }

  void Send(std::string message) override { SendRequest(std::move(message), {}); }

  void SendRequest(std::string message, const std::string& id) override {
    asio::co_spawn(strand_, Post(shared_from_this(), std::move(message), id), asio::detached);
  }

  void Initialized(const std::string& protocol_version) override {
    asio::post(strand_, [self = shared_from_this(), protocol_version] {
      self->protocol_version_ = protocol_version;
      if (!self->closed_) asio::co_spawn(self->strand_, Listen(self), asio::detached);
    });
  }

  void Abandon(const std::string& id) override {
    asio::post(strand_, [self = shared_from_this(), id] {
      self->abandoned_.insert(id);
      auto it = self->streams_.find(id);
      if (it != self->streams_.end()) it->second->Close();
    });
  }

  void Close() override {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->closed_) return;
      self->closed_ = true;
      for (auto& conn : self->idle_) conn->Close();
      self->idle_.clear();
      for (auto& [id, conn] : self->streams_) conn->Close();
      if (self->listen_conn_) self->listen_conn_->Close();
      if (!self->session_id_.empty() && !self->lost_) {
        asio::co_spawn(self->strand_, Delete(self), asio::detached);
      }
    });
  }

  std::string Describe() const override { return options_.url.ToString(); }

 private:
  HttpRequest MakeRequest(http::verb verb, std::string body) const {
    HttpRequest req{verb, options_.url.target, 11};
    req.set(http::field::host, options_.url.HostHeader());
    req.set(http::field::user_agent, "edgegw/0.1.0");
    if (verb == http::verb::post) {
      req.set(http::field::accept, "application/json, text/event-stream");
      req.set(http::field::content_type, "application/json");
    } else if (verb == http::verb::get) {
      req.set(http::field::accept, "text/event-stream");
    }
    if (!session_id_.empty()) req.set("Mcp-Session-Id", session_id_);
    if (!protocol_version_.empty()) req.set("MCP-Protocol-Version", protocol_version_);
    if (!options_.bearer_token.empty()) {
      req.set(http::field::authorization, "Bearer " + options_.bearer_token);
    }
    for (const auto& [name, value] : options_.headers) req.set(name, value);
    // W3C trace context: the Upstream puts the hop's traceparent in params._meta; HTTP
    // tracing (proxies, collectors) reads it from the header.
    if (size_t at = body.find("\"traceparent\":\""); at != std::string::npos && body.size() >= at + 15 + 55) {
      std::string_view value(body.data() + at + 15, 55);
      if (value.find_first_of("\"\\") == std::string_view::npos) req.set("traceparent", value);
    }
    req.body() = std::move(body);
    req.prepare_payload();
    req.keep_alive(true);
    return req;
  }

  Task<ConnPtr> Connect(beast::error_code& ec) {
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
      if (!SSL_set_tlsext_host_name(conn->tls->native_handle(), options_.url.host.c_str())) {
        ec = beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
        co_return nullptr;
      }
      if (options_.verify_tls) conn->tls->set_verify_callback(ssl::host_name_verification(options_.url.host));
      co_await conn->tls->async_handshake(ssl::stream_base::client, asio::redirect_error(kUseTask, ec));
      if (ec) co_return nullptr;
    }
    co_return conn;
  }

  Task<ConnPtr> Acquire(beast::error_code& ec) {
    if (!idle_.empty()) {
      ConnPtr conn = std::move(idle_.back());
      idle_.pop_back();
      conn->reused = true;
      co_return conn;
    }
    co_return co_await Connect(ec);
  }

  void Release(ConnPtr conn, const Parser& parser) {
    if (closed_ || !parser.is_done() || !parser.get().keep_alive() ||
        idle_.size() >= options_.max_idle_connections) {
      conn->Close();
      return;
    }
    conn->reused = false;
    idle_.push_back(std::move(conn));
  }

  template <class F>
  static auto WithStream(Conn& conn, F&& f) {
    return conn.tls ? f(*conn.tls) : f(*conn.plain);
  }

  // Writes `req` and reads the response header on a kept-alive or new connection. A reused
  // connection that the server had closed is detected (nothing came back) and the request
  // is sent once more on a new one: the server cannot have seen it.
  Task<ConnPtr> Exchange(HttpRequest& req, Parser& parser, std::optional<Failure>& failure,
                         std::string& detail) {
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
      co_await WithStream(*conn, [&](auto& s) -> Task<size_t> {
        co_return co_await http::async_write(s, req, asio::redirect_error(kUseTask, ec));
      });
      if (ec) {
        conn->Close();
        if (reused) { DropIdle(); continue; }
        failure = Failure{FailureKind::kResetBeforeSend, {}};
        detail = "sending to " + Describe() + " failed: " + ec.message();
        co_return nullptr;
      }
      co_await WithStream(*conn, [&](auto& s) -> Task<size_t> {
        co_return co_await http::async_read_header(s, conn->buffer, parser,
                                                   asio::redirect_error(kUseTask, ec));
      });
      if (ec) {
        conn->Close();
        bool nothing_came = ec == http::error::end_of_stream || ec == asio::error::eof ||
                            ec == asio::error::connection_reset;
        if (reused && nothing_came) { DropIdle(); continue; }
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

  void DropIdle() {
    for (auto& conn : idle_) conn->Close();
    idle_.clear();
  }

  // Reads the rest of a body. For SSE, each event goes to on_message (related to `id`) and
  // `answered` is set when our response arrives. Returns false if the stream broke.
  Task<bool> ReadBody(Conn& conn, Parser& parser, bool sse, transport::SseDecoder* decoder,
                      const std::string& id, bool* answered) {
    beast::error_code ec;
    while (!parser.is_done()) {
      if (sse) {
        conn.tcp().expires_never();
      } else {
        conn.tcp().expires_after(options_.header_timeout);
      }
      co_await WithStream(conn, [&](auto& s) -> Task<size_t> {
        co_return co_await http::async_read_some(s, conn.buffer, parser,
                                                 asio::redirect_error(kUseTask, ec));
      });
      if (ec) co_return false;
      std::string& body = parser.get().body();
      if (!sse) {
        if (body.size() > options_.max_response_bytes) co_return false;
        continue;
      }
      Status fed = decoder->Feed(body, [&](transport::SseEvent event) {
        if (event.data.empty()) return;  // priming events carry only an id
        if (!id.empty() && answered && !*answered) {
          auto m = protocol::ParseMessage(event.data);
          if (m && m->is_response() && m->id() == id) *answered = true;
        }
        if (events_.on_message) events_.on_message(event.data, id);
      });
      body.clear();
      if (!fed) {
        GW_LOG_WARNING("%s: %s", Describe().c_str(), fed.error().message().c_str());
        co_return false;
      }
    }
    co_return true;
  }

  void CaptureSessionId(const Parser& parser) {
    auto it = parser.get().find("Mcp-Session-Id");
    if (it != parser.get().end() && session_id_.empty()) session_id_ = std::string(it->value());
  }

  void Fail(const std::string& id, Failure failure, std::string detail) {
    if (id.empty()) {
      GW_LOG_WARNING("%s: a notification was lost: %s", Describe().c_str(), detail.c_str());
      return;
    }
    if (events_.on_request_failed) events_.on_request_failed(id, failure, std::move(detail));
  }

  void SessionLost() {
    if (lost_ || closed_) return;
    lost_ = true;
    if (events_.on_closed) events_.on_closed(NotFound(Describe() + " ended our session (HTTP 404)"));
  }

  static Task<void> Post(std::shared_ptr<HttpTransport> self, std::string body, std::string id) {
    if (self->closed_ || self->lost_) {
      self->Fail(id, {FailureKind::kSessionExpired, {}}, "the upstream session is closed");
      co_return;
    }
    HttpRequest req = self->MakeRequest(http::verb::post, std::move(body));
    Parser parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    std::optional<Failure> failure;
    std::string detail;
    ConnPtr conn = co_await self->Exchange(req, parser, failure, detail);
    if (!conn) co_return self->Fail(id, *failure, std::move(detail));
    self->CaptureSessionId(parser);
    int status = parser.get().result_int();
    std::string_view type = parser.get()[http::field::content_type];
    bool sse = status == 200 && type.substr(0, 17) == "text/event-stream";
    if (sse && !id.empty()) {
      transport::SseDecoder decoder(self->options_.max_response_bytes);
      bool answered = false;
      self->streams_[id] = conn.get();
      bool clean = co_await self->ReadBody(*conn, parser, true, &decoder, id, &answered);
      self->streams_.erase(id);
      if (clean) self->Release(std::move(conn), parser);
      else conn->Close();
      if (!answered && !self->abandoned_.count(id)) {
        co_await Resume(self, id, decoder.last_event_id(),
                        decoder.retry_ms().value_or(static_cast<int>(self->options_.default_retry.count())));
      }
      self->abandoned_.erase(id);
      co_return;
    }
    bool clean = co_await self->ReadBody(*conn, parser, false, nullptr, id, nullptr);
    std::string response = std::move(parser.get().body());
    std::optional<std::chrono::milliseconds> retry_after =
        ParseRetryAfter(parser.get()[http::field::retry_after]);
    if (clean) self->Release(std::move(conn), parser);
    else conn->Close();
    if (!clean) {
      co_return self->Fail(id, {FailureKind::kResetAfterSend, {}},
                           self->Describe() + ": the answer broke off (or exceeded the size limit)");
    }
    if (status == 200 || status == 202 || status == 204) {
      if (!response.empty() && self->events_.on_message) self->events_.on_message(response, id);
      else if (!id.empty() && response.empty())
        self->Fail(id, {FailureKind::kProtocolError, {}}, self->Describe() + " answered a request with an empty body");
      co_return;
    }
    if (status == 404 && !self->session_id_.empty()) {
      self->Fail(id, {FailureKind::kSessionExpired, {}}, self->Describe() + " no longer knows our session");
      co_return self->SessionLost();
    }
    FailureKind kind = status == 429   ? FailureKind::kHttpTooManyRequests
                       : status == 502 ? FailureKind::kHttpBadGateway
                       : status == 503 ? FailureKind::kHttpUnavailable
                       : status == 504 ? FailureKind::kHttpGatewayTimeout
                                       : FailureKind::kHttpOtherError;
    if (kind == FailureKind::kHttpOtherError && !id.empty()) {
      // A 4xx whose body is the JSON-RPC error for our request says more than the status.
      auto m = protocol::ParseMessage(response);
      if (m && m->kind() == protocol::MessageKind::kError && m->id() == id && self->events_.on_message) {
        co_return self->events_.on_message(response, id);
      }
    }
    self->Fail(id, {kind, retry_after},
               self->Describe() + " answered HTTP " + std::to_string(status) +
                   (response.empty() ? "" : ": " + Excerpt(response)));
  }

  // Resumes the stream of request `id` with GET + Last-Event-ID until its answer arrives.
  static Task<void> Resume(std::shared_ptr<HttpTransport> self, std::string id,
                           std::string last_event_id, int retry_ms) {
    for (int attempt = 1; attempt <= self->options_.max_resume_attempts; ++attempt) {
      if (last_event_id.empty()) break;
      Timer timer(self->strand_);
      timer.expires_after(std::chrono::milliseconds(retry_ms));
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(kUseTask, ec));
      if (self->closed_ || self->lost_ || self->abandoned_.count(id)) co_return;
      HttpRequest req = self->MakeRequest(http::verb::get, {});
      req.set("Last-Event-ID", last_event_id);
      Parser parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      std::optional<Failure> failure;
      std::string detail;
      ConnPtr conn = co_await self->Exchange(req, parser, failure, detail);
      if (!conn) continue;
      int status = parser.get().result_int();
      if (status == 404 && !self->session_id_.empty()) {
        conn->Close();
        self->Fail(id, {FailureKind::kResetAfterSend, {}}, self->Describe() + " ended our session while a call ran");
        co_return self->SessionLost();
      }
      if (status != 200) {
        conn->Close();
        co_return self->Fail(id, {FailureKind::kResetAfterSend, {}},
                             self->Describe() + " refused to resume the stream: HTTP " + std::to_string(status));
      }
      transport::SseDecoder decoder(self->options_.max_response_bytes);
      bool answered = false;
      self->streams_[id] = conn.get();
      bool clean = co_await self->ReadBody(*conn, parser, true, &decoder, id, &answered);
      self->streams_.erase(id);
      if (clean) self->Release(std::move(conn), parser);
      else conn->Close();
      if (answered || self->abandoned_.count(id)) co_return;
      if (!decoder.last_event_id().empty()) last_event_id = decoder.last_event_id();
      if (decoder.retry_ms()) retry_ms = *decoder.retry_ms();
    }
    self->Fail(id, {FailureKind::kResetAfterSend, {}},
               self->Describe() + ": the stream broke before the answer and could not be resumed");
  }

  // The standalone GET stream: server notifications not tied to a request.
  static Task<void> Listen(std::shared_ptr<HttpTransport> self) {
    std::string last_event_id;
    int failures = 0;
    while (!self->closed_ && !self->lost_) {
      HttpRequest req = self->MakeRequest(http::verb::get, {});
      if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
      Parser parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      std::optional<Failure> failure;
      std::string detail;
      int wait_ms = static_cast<int>(self->options_.default_retry.count());
      ConnPtr conn = co_await self->Exchange(req, parser, failure, detail);
      if (conn) {
        int status = parser.get().result_int();
        // 405: this server offers no such stream. Some servers also answer 404 here; an
        // expired session shows on the next POST, so neither ends the session.
        if (status == 405 || status == 404) co_return conn->Close();
        if (status == 200) {
          transport::SseDecoder decoder(self->options_.max_response_bytes);
          self->listen_conn_ = conn.get();
          co_await self->ReadBody(*conn, parser, true, &decoder, {}, nullptr);
          self->listen_conn_ = nullptr;
          if (!decoder.last_event_id().empty()) last_event_id = decoder.last_event_id();
          if (decoder.retry_ms()) wait_ms = *decoder.retry_ms();
          failures = 0;
        } else {
          ++failures;
        }
        conn->Close();
      } else {
        ++failures;
      }
      if (self->closed_) break;
      if (failures > 0) wait_ms = std::min(30000, wait_ms << std::min(failures, 5));
      Timer timer(self->strand_);
      timer.expires_after(std::chrono::milliseconds(wait_ms));
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(kUseTask, ec));
    }
  }

  static Task<void> Delete(std::shared_ptr<HttpTransport> self) {
    HttpRequest req = self->MakeRequest(http::verb::delete_, {});
    beast::error_code ec;
    ConnPtr conn = co_await self->Connect(ec);
    if (!conn) co_return;
    conn->tcp().expires_after(std::chrono::seconds(2));
    co_await WithStream(*conn, [&](auto& s) -> Task<size_t> {
      co_return co_await http::async_write(s, req, asio::redirect_error(kUseTask, ec));
    });
    if (!ec) {
      Parser parser;
      co_await WithStream(*conn, [&](auto& s) -> Task<size_t> {
        co_return co_await http::async_read(s, conn->buffer, parser, asio::redirect_error(kUseTask, ec));
      });
    }
    conn->Close();
  }

  Executor strand_;
  const HttpTransportOptions options_;
  const std::unique_ptr<ssl::context> tls_;
  TransportEvents events_;
  // Strand-confined state.
  std::string session_id_;
  std::string protocol_version_;
  std::vector<ConnPtr> idle_;
  std::map<std::string, Conn*> streams_;  // request id -> connection carrying its stream
  std::set<std::string> abandoned_;
  Conn* listen_conn_ = nullptr;
  bool closed_ = false;
  bool lost_ = false;
};

}  // namespace

Result<std::shared_ptr<UpstreamTransport>> MakeHttpTransport(asio::io_context& io,
                                                             HttpTransportOptions options) {
  std::unique_ptr<ssl::context> tls;
  if (options.url.tls) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    beast::error_code ec;
    if (options.verify_tls) {
      tls->set_verify_mode(ssl::verify_peer, ec);
      if (options.ca_file.empty()) {
        tls->set_default_verify_paths(ec);
      } else {
        tls->load_verify_file(options.ca_file, ec);
      }
      if (ec) {
        return InvalidArgument("cannot load CA certificates" +
                               (options.ca_file.empty() ? std::string() : " from " + options.ca_file) +
                               ": " + ec.message());
      }
    } else {
      tls->set_verify_mode(ssl::verify_none, ec);
    }
  }
  return std::shared_ptr<UpstreamTransport>(
      std::make_shared<HttpTransport>(io, std::move(options), std::move(tls)));
}

}  // namespace gw::upstream

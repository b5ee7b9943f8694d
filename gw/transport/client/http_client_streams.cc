// Streamable HTTP client: the MCP exchanges. A POST per message (JSON or SSE answer), the
// resumption of a broken answer stream with GET + Last-Event-ID, the standalone GET stream
// for server notifications, and DELETE when the session ends.
#include <boost/beast/http.hpp>

#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/transport/client/internal/http_transport.h"

namespace gw::transport::internal {

namespace http = beast::http;
using resilience::Failure;
using resilience::FailureKind;

namespace {

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

}  // namespace

Task<void> HttpTransport::Sleep(Executor executor, int milliseconds) {
  Timer timer(executor);
  timer.expires_after(std::chrono::milliseconds(milliseconds));
  beast::error_code ec;
  co_await timer.async_wait(asio::redirect_error(kUseTask, ec));
}

Task<bool> HttpTransport::ReadAnswerStream(ConnPtr conn, ResponseReader& reader,
                                           transport::SseDecoder& decoder, const std::string& id) {
  bool answered = false;
  streams_[id] = conn.get();  // so that Abandon can drop it
  bool clean = co_await ReadBody(*conn, reader, &decoder, id, &answered);
  streams_.erase(id);
  if (clean) {
    Release(std::move(conn), reader);
  } else {
    conn->Close();
  }
  co_return answered;
}

Task<void> HttpTransport::Post(std::shared_ptr<HttpTransport> self, std::string body,
                               std::string id) {
  if (self->closed_ || self->lost_) {
    self->Fail(id, {FailureKind::kSessionExpired, {}}, "the upstream session is closed");
    co_return;
  }
  std::string wire = self->Wire("POST", body);
  ResponseReader reader(self->options_.max_response_bytes);
  std::optional<Failure> failure;
  std::string detail;
  ConnPtr conn = co_await self->Exchange(wire, reader, failure, detail);
  if (!conn) co_return self->Fail(id, *failure, std::move(detail));
  if (self->session_id_.empty() && !reader.session_id().empty())
    self->session_id_ = reader.session_id();
  int status = reader.status();
  if (reader.is_event_stream() && !id.empty()) {
    transport::SseDecoder decoder(self->options_.max_response_bytes);
    bool answered = co_await self->ReadAnswerStream(std::move(conn), reader, decoder, id);
    if (!answered && !self->abandoned_.count(id)) {
      int retry =
          decoder.retry_ms().value_or(static_cast<int>(self->options_.default_retry.count()));
      co_await Resume(self, id, decoder.last_event_id(), retry);
    }
    self->abandoned_.erase(id);
    co_return;
  }
  bool clean = co_await self->ReadBody(*conn, reader, nullptr, id, nullptr);
  std::string response = std::move(reader.body());
  auto retry_after = ParseRetryAfter(reader.retry_after());
  if (clean)
    self->Release(std::move(conn), reader);
  else
    conn->Close();
  if (!clean) {
    co_return self->Fail(id, {FailureKind::kResetAfterSend, {}},
                         self->Describe() + ": the answer broke off (or exceeded the size limit)");
  }
  if (status == 200 || status == 202 || status == 204) {
    if (!response.empty()) {
      if (self->events_.on_message) self->events_.on_message(response, id);
    } else if (!id.empty()) {
      self->Fail(id, {FailureKind::kProtocolError, {}},
                 self->Describe() + " answered a request with an empty body");
    }
    co_return;
  }
  if (status == 404 && !self->session_id_.empty()) {
    self->Fail(id, {FailureKind::kSessionExpired, {}},
               self->Describe() + " no longer knows our session");
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
    if (m && m->kind() == protocol::MessageKind::kError && m->id() == id &&
        self->events_.on_message) {
      co_return self->events_.on_message(response, id);
    }
  }
  self->Fail(id, {kind, retry_after},
             self->Describe() + " answered HTTP " + std::to_string(status) +
                 (response.empty() ? "" : ": " + Excerpt(response)));
}

Task<void> HttpTransport::Resume(std::shared_ptr<HttpTransport> self, std::string id,
                                 std::string last_event_id, int retry_ms) {
  for (int attempt = 1; attempt <= self->options_.max_resume_attempts; ++attempt) {
    if (last_event_id.empty()) break;
    co_await Sleep(self->strand_, retry_ms);  // the server's "retry:" says how long
    if (self->closed_ || self->lost_ || self->abandoned_.count(id)) co_return;
    std::string wire = self->Wire("GET", {}, last_event_id);
    ResponseReader reader(self->options_.max_response_bytes);
    std::optional<Failure> failure;
    std::string detail;
    ConnPtr conn = co_await self->Exchange(wire, reader, failure, detail);
    if (!conn) continue;
    int status = reader.status();
    if (status == 404 && !self->session_id_.empty()) {
      conn->Close();
      self->Fail(id, {FailureKind::kResetAfterSend, {}},
                 self->Describe() + " ended our session while a call ran");
      co_return self->SessionLost();
    }
    if (!reader.is_event_stream()) {
      conn->Close();
      co_return self->Fail(
          id, {FailureKind::kResetAfterSend, {}},
          self->Describe() + " refused to resume the stream: HTTP " + std::to_string(status));
    }
    transport::SseDecoder decoder(self->options_.max_response_bytes);
    bool answered = co_await self->ReadAnswerStream(std::move(conn), reader, decoder, id);
    if (answered || self->abandoned_.count(id)) co_return;
    if (!decoder.last_event_id().empty()) last_event_id = decoder.last_event_id();
    if (decoder.retry_ms()) retry_ms = *decoder.retry_ms();
  }
  self->Fail(id, {FailureKind::kResetAfterSend, {}},
             self->Describe() + ": the stream broke before the answer and could not be resumed");
}

Task<void> HttpTransport::Listen(std::shared_ptr<HttpTransport> self,
                                 std::function<void()> listening) {
  std::string last_event_id;
  int failures = 0;
  auto tell = [&listening] {
    if (listening) std::exchange(listening, nullptr)();
  };
  while (!self->closed_ && !self->lost_) {
    std::string wire = self->Wire("GET", {}, last_event_id);
    ResponseReader reader(self->options_.max_response_bytes);
    std::optional<Failure> failure;
    std::string detail;
    int wait_ms = static_cast<int>(self->options_.default_retry.count());
    ConnPtr conn = co_await self->Exchange(wire, reader, failure, detail);
    tell();  // open, refused or failed: nobody should wait for it any longer
    if (conn) {
      int status = reader.status();
      // 405: this server offers no such stream. Some servers also answer 404 here; an
      // expired session shows on the next POST, so neither ends the session.
      if (status == 405 || status == 404) co_return conn->Close();
      if (reader.is_event_stream()) {
        transport::SseDecoder decoder(self->options_.max_response_bytes);
        self->listen_conn_ = conn.get();
        co_await self->ReadBody(*conn, reader, &decoder, {}, nullptr);
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
    co_await Sleep(self->strand_, wait_ms);
  }
  tell();
}

Task<void> HttpTransport::Delete(std::shared_ptr<HttpTransport> self) {
  std::string wire = self->Wire("DELETE", {});
  beast::error_code ec;
  ConnPtr conn = co_await self->Connect(ec);
  if (!conn) co_return;
  conn->tcp().expires_after(std::chrono::seconds(2));
  ResponseReader reader(64 << 10);
  if (conn->tls) {
    co_await asio::async_write(*conn->tls, asio::buffer(wire), asio::redirect_error(kUseTask, ec));
    if (!ec)
      co_await http::async_read(*conn->tls, conn->buffer, reader,
                                asio::redirect_error(kUseTask, ec));
  } else {
    co_await asio::async_write(*conn->plain, asio::buffer(wire),
                               asio::redirect_error(kUseTask, ec));
    if (!ec)
      co_await http::async_read(*conn->plain, conn->buffer, reader,
                                asio::redirect_error(kUseTask, ec));
  }
  conn->Close();
}

}  // namespace gw::transport::internal

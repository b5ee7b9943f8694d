// HttpTransport: the Streamable HTTP client behind MakeHttpTransport. Private to gw/upstream.
// http_client_transport.cc: connections (pool, TLS, one exchange with stale-connection
// retry, reading bodies); http_client_streams.cc: the MCP exchanges (POST, resume, the
// standalone GET stream, DELETE).
//
// Threads: every member runs on strand_; public methods post to it. Coroutines hold a
// shared_ptr to the transport while they run.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gw/transport/asio_types.h"
#include "gw/transport/client/http_client_transport.h"
#include "gw/transport/client/http_wire.h"
#include "gw/transport/http/sse_codec.h"

namespace gw::transport::internal {

using namespace transport::asio_types;  // NOLINT: the shared Asio vocabulary
namespace ssl = asio::ssl;
using TlsStream = beast::ssl_stream<Stream>;

// One kept-alive connection, plain or TLS.
struct Conn {
  std::unique_ptr<Stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;
  bool reused = false;
  Stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void Close();
};
using ConnPtr = std::unique_ptr<Conn>;

class HttpTransport final : public UpstreamTransport,
                            public std::enable_shared_from_this<HttpTransport> {
 public:
  HttpTransport(asio::io_context& io, HttpTransportOptions options,
                std::unique_ptr<ssl::context> tls);

  // UpstreamTransport.
  Status Start(TransportEvents events) override;
  void Send(std::string message) override { SendRequest(std::move(message), {}); }
  void SendRequest(std::string message, const std::string& id) override;
  void Initialized(const std::string& protocol_version,
                   std::function<void()> listening = nullptr) override;
  void Abandon(const std::string& id) override;
  void Close() override;
  std::string Describe() const override { return options_.url.ToString(); }

 private:
  // http_client_transport.cc: connections.
  std::string Wire(std::string_view method, std::string_view body,
                   std::string_view last_event_id = {}) const;
  Task<ConnPtr> Connect(beast::error_code& ec);
  Task<ConnPtr> Acquire(beast::error_code& ec);
  void Release(ConnPtr conn, const ResponseReader& reader);
  void DropIdle();
  Task<ConnPtr> Exchange(const std::string& wire, ResponseReader& reader,
                         std::optional<resilience::Failure>& failure, std::string& detail);
  Task<bool> ReadBody(Conn& conn, ResponseReader& reader, transport::SseDecoder* decoder,
                      const std::string& id, bool* answered);
  // Reads the SSE answer stream of request `id` on `conn` (then pools or closes it). Returns
  // whether the answer came; `decoder` keeps the resume point.
  Task<bool> ReadAnswerStream(ConnPtr conn, ResponseReader& reader, transport::SseDecoder& decoder,
                              const std::string& id);
  void Fail(const std::string& id, resilience::Failure failure, std::string detail);
  void SessionLost();

  // http_client_streams.cc: MCP exchanges.
  static Task<void> Post(std::shared_ptr<HttpTransport> self, std::string body, std::string id);
  static Task<void> Resume(std::shared_ptr<HttpTransport> self, std::string id,
                           std::string last_event_id, int retry_ms);
  static Task<void> Listen(std::shared_ptr<HttpTransport> self, std::function<void()> listening);
  static Task<void> Delete(std::shared_ptr<HttpTransport> self);
  static Task<void> Sleep(Executor executor, int milliseconds);

  Executor strand_;
  const HttpTransportOptions options_;
  const std::unique_ptr<ssl::context> tls_;
  const std::string host_header_;
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

}  // namespace gw::transport::internal

// The MCP path of the HTTP server: POST, GET and DELETE as Streamable HTTP defines them
// (MCP 2025-11-25 §Transports). Status codes are listed in docs/transports.md.
#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/protocol/version.h"
#include "gw/transport/http/internal/beast_types.h"
#include "gw/transport/http/sse_codec.h"

namespace gw::transport::internal {
namespace {

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";

Response Refuse(ServerContext& ctx, const Request& request, http::status status,
                std::string_view message, int rpc_code = protocol::rpc::kServerUnavailable) {
  if (ctx.metrics) ctx.metrics->RecordRejected(static_cast<int>(status));
  return MakeRpcErrorResponse(request, status, rpc_code, message);
}

// A peer that stops reading must not pin a connection forever.
constexpr auto kWriteTimeout = std::chrono::seconds(30);

Task<bool> Write(Stream& stream, Response response) {
  bool keep = response.keep_alive();
  beast::error_code ec;
  stream.expires_after(kWriteTimeout);
  co_await http::async_write(stream, response, asio::redirect_error(kUseTask, ec));
  co_return keep && !ec;
}

// Streams the events of `es` after `after` as SSE until the stream ends, the client goes
// away, another connection takes the stream over, or the server stops. `ticket` is this
// writer's attachment.
Task<bool> PumpSse(Stream& stream, const Request& request, std::shared_ptr<EventStream> es,
                   uint64_t after, const std::string& session_id, ServerContext& ctx,
                   std::shared_ptr<Timer> timer, uint64_t ticket) {
  http::response<http::empty_body> head{http::status::ok, request.version()};
  head.set(http::field::server, "edgegw");
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  if (!session_id.empty()) head.set(kSessionHeader, session_id);
  head.keep_alive(request.keep_alive());
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  beast::error_code ec;
  stream.expires_after(kWriteTimeout);
  co_await http::async_write_header(stream, serializer, asio::redirect_error(kUseTask, ec));
  bool clean_end = false;
  // Priming event (MCP 2025-11-25 §Transports, SSE polling): an id and empty data, so a
  // client that loses this stream can resume it from here with Last-Event-ID; plus the
  // reconnection delay.
  std::string out;
  if (!ec) {
    out = EncodeSseRetry(ctx.options.sse_retry_ms) + EncodeSseEvent(es->EventId(after), "");
  }
  while (!ec && !ctx.stopping.load()) {
    if (!es->Owns(ticket) || es->ConsumeInterrupt()) {
      // Write what is already formatted (the priming event), then end this response; the
      // stream lives on for a resuming GET.
      if (!out.empty()) {
        stream.expires_after(kWriteTimeout);
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(out)),
                                   asio::redirect_error(kUseTask, ec));
      }
      if (!ec) {
        stream.expires_after(kWriteTimeout);
        co_await asio::async_write(stream, http::make_chunk_last(),
                                   asio::redirect_error(kUseTask, ec));
      }
      clean_end = !ec;
      break;
    }
    bool finished = false;
    for (const StreamEvent& e : es->Since(after, &finished)) {
      out += EncodeSseEvent(es->EventId(e.seq), e.data);
      after = e.seq;
    }
    if (!out.empty()) {
      stream.expires_after(kWriteTimeout);
      co_await asio::async_write(stream, http::make_chunk(asio::buffer(out)),
                                 asio::redirect_error(kUseTask, ec));
      out.clear();
      if (!ec) es->MarkDelivered(after);
      continue;
    }
    if (finished) {
      stream.expires_after(kWriteTimeout);
      co_await asio::async_write(stream, http::make_chunk_last(),
                                 asio::redirect_error(kUseTask, ec));
      clean_end = !ec;
      break;
    }
    timer->expires_after(std::chrono::seconds(ctx.options.sse_keepalive_seconds));
    beast::error_code wait_ec;
    co_await timer->async_wait(asio::redirect_error(kUseTask, wait_ec));
    if (!wait_ec) out = EncodeSseComment("keepalive");  // timer expired: nothing arrived
  }
  es->Detach(ticket);
  stream.expires_never();  // the read loop sets its own deadline
  co_return clean_end&& request.keep_alive();
}

// Attaches this connection as the writer of `es`: a push wakes `timer` (on the connection's
// strand). Returns the attachment ticket.
uint64_t AttachWriter(EventStream& es, const std::shared_ptr<Timer>& timer,
                      const Executor& executor) {
  std::weak_ptr<Timer> weak = timer;
  return es.Attach([weak, executor] {
    asio::post(executor, [weak] {
      if (auto t = weak.lock()) t->cancel();
    });
  });
}

Task<bool> ServeSse(Stream& stream, const Request& request, ServerContext& ctx,
                    std::shared_ptr<EventStream> es, uint64_t after,
                    const std::string& session_id) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<Timer>(executor);
  uint64_t ticket = AttachWriter(*es, timer, executor);
  co_return co_await PumpSse(stream, request, std::move(es), after, session_id, ctx, timer, ticket);
}

// Returns the session named by the request, or writes the refusal and returns nullptr.
HttpSessionPtr LookUpSession(ServerContext& ctx, const Request& request,
                             std::optional<Response>* refusal) {
  auto header = request.find(kSessionHeader);
  if (header == request.end() || header->value().empty()) {
    *refusal = Refuse(ctx, request, http::status::bad_request,
                      "Bad Request: the Mcp-Session-Id header is required; send initialize "
                      "first to get one");
    return nullptr;
  }
  HttpSessionPtr session = ctx.sessions.Find(std::string(header->value()));
  if (!session) {
    *refusal = Refuse(ctx, request, http::status::not_found,
                      "Session not found: it expired or was deleted; send initialize to start "
                      "a new session",
                      protocol::rpc::kInvalidRequest);
    return nullptr;
  }
  auto version = request.find(kVersionHeader);
  if (version != request.end() &&
      !protocol::IsSupportedProtocolVersion(std::string_view(version->value()))) {
    *refusal = Refuse(
        ctx, request, http::status::bad_request,
        "Bad Request: unsupported MCP-Protocol-Version '" + std::string(version->value()) + "'");
    return nullptr;
  }
  session->Touch();
  return session;
}

Task<bool> ServePost(Stream& stream, Request& request, ServerContext& ctx) {
  std::string_view content_type = request[http::field::content_type];
  if (content_type.substr(0, 16) != "application/json") {
    co_return co_await Write(stream, Refuse(ctx, request, http::status::unsupported_media_type,
                                            "Unsupported Media Type: POST a JSON-RPC message "
                                            "with Content-Type: application/json"));
  }
  std::string_view accept = request[http::field::accept];
  if (!AcceptsJson(accept) || !AcceptsEventStream(accept)) {
    co_return co_await Write(stream, Refuse(ctx, request, http::status::not_acceptable,
                                            "Not Acceptable: the Accept header must list both "
                                            "application/json and text/event-stream"));
  }
  auto parsed = protocol::ParseMessage(request.body());
  if (!parsed) {
    const protocol::RpcFailure& f = parsed.error();
    if (ctx.metrics) ctx.metrics->RecordRejected(400);
    co_return co_await Write(
        stream, MakeRpcErrorResponse(request, http::status::bad_request, f.code, f.message, f.id));
  }
  protocol::Message message = std::move(*parsed);
  bool initialize = message.is_request() && message.method() == "initialize";
  HttpSessionPtr session;
  std::optional<Response> refusal;
  if (initialize) {
    session = ctx.sessions.Create();
    if (!session) {
      co_return co_await Write(stream, Refuse(ctx, request, http::status::service_unavailable,
                                              "Service Unavailable: too many open sessions"));
    }
  } else {
    session = LookUpSession(ctx, request, &refusal);
    if (!session) co_return co_await Write(stream, std::move(*refusal));
  }
  if (!message.is_request()) {
    session->session().Receive(std::move(message));
    Response accepted = MakeResponse(request, http::status::accepted, "application/json", "");
    co_return co_await Write(stream, std::move(accepted));
  }
  std::string id = message.id();
  StreamRouter::OpenError open_error;
  auto es = session->streams().OpenRequestStream(id, message.method(), &open_error);
  if (open_error == StreamRouter::OpenError::kClosed) {
    co_return co_await Write(
        stream, Refuse(ctx, request, http::status::not_found, "Session not found: it was closed",
                       protocol::rpc::kInvalidRequest));
  }
  if (open_error == StreamRouter::OpenError::kTooManyInFlight) {
    co_return co_await Write(
        stream, Refuse(ctx, request, http::status::too_many_requests,
                       "Too Many Requests: this session already has " +
                           std::to_string(StreamRouter::kMaxInFlight) + " requests in progress"));
  }
  if (!es) {
    co_return co_await Write(
        stream, MakeRpcErrorResponse(request, http::status::ok, protocol::rpc::kInvalidRequest,
                                     "Invalid Request: a request with this id is still in "
                                     "progress in this session",
                                     id));
  }
  session->session().Receive(std::move(message));
  bool finished = false;
  std::vector<StreamEvent> events = es->Since(0, &finished);
  if (!finished && !es->interrupted() && events.empty() && ctx.options.json_wait_ms > 0) {
    // Not answered at once (a proxied or queued call): wait a little for the answer before
    // committing to SSE. A lone final answer then goes out as plain JSON, which costs the
    // client far less than an SSE stream; anything sent before it (progress, logging, a
    // server request), an interruption or the wait running out switches to SSE.
    auto executor = co_await asio::this_coro::executor;
    auto timer = std::make_shared<Timer>(executor);
    uint64_t ticket = AttachWriter(*es, timer, executor);
    timer->expires_after(std::chrono::milliseconds(ctx.options.json_wait_ms));
    while (true) {
      events = es->Since(0, &finished);
      if (finished || !events.empty() || es->interrupted() || ctx.stopping.load()) break;
      beast::error_code wait_ec;
      co_await timer->async_wait(asio::redirect_error(kUseTask, wait_ec));
      if (wait_ec != asio::error::operation_aborted) break;  // waited long enough
    }
    if (!(finished && events.size() == 1 && !es->interrupted())) {
      co_return co_await PumpSse(stream, request, std::move(es), 0, session->id(), ctx, timer,
                                 ticket);
    }
    es->Detach(ticket);
  }
  if (finished && events.size() <= 1 && !es->interrupted()) {
    // Answered at once: a plain JSON response is simplest for every client.
    if (initialize && (events.empty() || protocol::IsErrorResponse(events[0].data))) {
      ctx.sessions.Remove(session->id());
      session.reset();
    }
    Response response = events.empty()
                            ? MakeResponse(request, http::status::accepted, "application/json", "")
                            : MakeResponse(request, http::status::ok, "application/json",
                                           std::move(events[0].data));
    if (session) response.set(kSessionHeader, session->id());
    co_return co_await Write(stream, std::move(response));
  }
  co_return co_await ServeSse(stream, request, ctx, std::move(es), 0, session->id());
}

Task<bool> ServeGet(Stream& stream, Request& request, ServerContext& ctx) {
  if (!AcceptsEventStream(request[http::field::accept])) {
    co_return co_await Write(stream, Refuse(ctx, request, http::status::not_acceptable,
                                            "Not Acceptable: GET opens an SSE stream; send "
                                            "Accept: text/event-stream"));
  }
  std::optional<Response> refusal;
  HttpSessionPtr session = LookUpSession(ctx, request, &refusal);
  if (!session) co_return co_await Write(stream, std::move(*refusal));
  std::shared_ptr<EventStream> es = session->streams().standalone();
  uint64_t after = es->delivered();
  auto last = request.find("Last-Event-ID");
  if (last != request.end()) {
    uint64_t number = 0;
    if (!EventStream::ParseEventId(std::string_view(last->value()), &number, &after) ||
        !(es = session->streams().Find(number))) {
      co_return co_await Write(stream,
                               Refuse(ctx, request, http::status::bad_request,
                                      "Bad Request: Last-Event-ID '" + std::string(last->value()) +
                                          "' does not name a stream of this session"));
    }
  }
  co_return co_await ServeSse(stream, request, ctx, std::move(es), after, session->id());
}

}  // namespace

Task<bool> ServeMcp(Stream& stream, Request& request, ServerContext& ctx) {
  if (auto why = CheckHost(request[http::field::host], ctx.options.guard)) {
    co_return co_await Write(stream, Refuse(ctx, request, http::status::forbidden, *why));
  }
  if (auto why = CheckOrigin(request[http::field::origin], ctx.options.guard)) {
    co_return co_await Write(stream, Refuse(ctx, request, http::status::forbidden, *why));
  }
  switch (request.method()) {
    case http::verb::post:
      co_return co_await ServePost(stream, request, ctx);
    case http::verb::get:
      co_return co_await ServeGet(stream, request, ctx);
    case http::verb::delete_: {
      std::optional<Response> refusal;
      HttpSessionPtr session = LookUpSession(ctx, request, &refusal);
      if (!session) co_return co_await Write(stream, std::move(*refusal));
      ctx.sessions.Remove(session->id());
      co_return co_await Write(stream,
                               MakeResponse(request, http::status::ok, "application/json", ""));
    }
    default: {
      Response response = Refuse(ctx, request, http::status::method_not_allowed,
                                 "Method Not Allowed: use POST, GET or DELETE");
      response.set(http::field::allow, "GET, POST, DELETE");
      co_return co_await Write(stream, std::move(response));
    }
  }
}

}  // namespace gw::transport::internal

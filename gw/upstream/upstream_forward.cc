// Forwarding client calls to an upstream: retry, breaker, cancellation, and the way back for
// progress, logging and server-to-client requests.
#include <algorithm>

#include "gw/base/log.h"
#include "gw/protocol/json.h"
#include "gw/upstream/internal/upstream_impl.h"

namespace gw::upstream::internal {

using protocol::ClientSession;
using protocol::JsonWriter;
using protocol::Message;
using resilience::Failure;
using resilience::FailureKind;

namespace {

// The id of our request whose exchange carried the message being handled (see OnMessage).
thread_local std::string_view tl_related;

// The traceparent for the upstream request: the hop's span when the gateway traces the call,
// else the client's own continued with a new parent id for this hop, else none.
std::string TraceparentFor(const protocol::JsonValue& params, const TraceContext& trace,
                           Random& random) {
  if (trace.valid()) return trace.Traceparent();
  const protocol::JsonValue* meta = protocol::ObjectMember(params, "_meta");
  auto tp = meta ? protocol::StringMember(*meta, "traceparent") : std::nullopt;
  if (!tp || !ParseTraceparent(*tp)) return {};  // (kept as sent, flags and all)
  std::string next(*tp);
  next.replace(36, 16, SpanId::Random(random).Hex());  // this hop's parent id
  return next;
}

}  // namespace

void UpstreamImpl::Forward(const protocol::CallPtr& call, const ParamsEdit& edit,
                           const std::string& tool, ForwardDone done) {
  const protocol::JsonValue* meta = protocol::ObjectMember(call->params(), "_meta");
  std::string token;
  if (meta && protocol::Member(*meta, "progressToken")) {
    MutexLock lock(mu_);
    token = "edgegw-" + std::to_string(next_token_++);
  }
  std::string params = ParamsForUpstream(call->params(), edit, token,
                                         TraceparentFor(call->params(), call->trace(), random_));
  Send(call, call->method(), std::move(params), tool, token, std::move(done));
}

void UpstreamImpl::Send(const protocol::CallPtr& call, std::string method, std::string params,
                        const std::string& tool, const std::string& progress_token,
                        ForwardDone done) {
  auto ex = std::make_shared<Exchange>(mu_, call);
  ex->method = std::move(method);
  ex->idempotent = resilience::IsIdempotentMethod(ex->method) ||
                   (!tool.empty() &&
                    std::find(options_.idempotent_tools.begin(), options_.idempotent_tools.end(),
                              tool) != options_.idempotent_tools.end());
  ex->done = std::move(done);
  ex->started = clock_.Now();
  if (!progress_token.empty()) {
    MutexLock lock(mu_);
    ex->progress_token = progress_token;
    by_token_[progress_token] = ex;
  }
  ex->params = std::move(params);
  if (call) {
    std::weak_ptr<UpstreamImpl> weak = weak_from_this();
    call->OnCancel([weak, ex] {
      if (auto self = weak.lock()) self->CancelExchange(ex);
    });
  }
  Attempt(ex);
}

void UpstreamImpl::Request(std::string method, std::string params, ForwardDone done) {
  Send(nullptr, std::move(method), std::move(params), {}, {}, std::move(done));
}

void UpstreamImpl::Attempt(const ExchangePtr& ex) {
  Session session;
  std::string last_error;
  protocol::CallPtr call;
  {
    MutexLock lock(mu_);
    Holds(*ex);
    if (ex->finished) return;
    ++ex->attempt;
    call = ex->call;
    if (state_ == UpstreamState::kReady) session = session_;
    last_error = last_error_;
  }
  if (call && call->cancelled()) {
    return Finish(ex, "cancelled", MakeError(Code::kCancelled, "cancelled by the client"));
  }
  if (!breaker_.Allow()) {
    auto wait = std::chrono::duration_cast<std::chrono::seconds>(breaker_.RetryIn()).count();
    return Finish(ex, "rejected",
                  Unavailable("upstream '" + options_.name +
                              "' is unavailable: its circuit breaker is open after repeated "
                              "failures (next probe in " +
                              std::to_string(wait) + " s)"));
  }
  if (!session) {
    return FailAttempt(ex, Failure{FailureKind::kConnectRefused, {}},
                       "not connected" + (last_error.empty() ? "" : " (" + last_error + ")"));
  }
  std::weak_ptr<UpstreamImpl> weak = weak_from_this();
  session->Request(
      ex->method, ex->params,
      [weak, ex](Result<Message> response) {
        if (auto self = weak.lock()) self->OnAttemptDone(ex, std::move(response));
      },
      [this, &ex](const std::string& id) {
        MutexLock lock(mu_);
        Holds(*ex);
        ex->upstream_id = id;
        exchanges_[id] = ex;
      });
}

void UpstreamImpl::OnAttemptDone(const ExchangePtr& ex, Result<Message> response) {
  std::optional<Failure> failure;
  std::string detail, id;
  Session session;
  std::shared_ptr<UpstreamTransport> transport;
  {
    MutexLock lock(mu_);
    Holds(*ex);
    id = std::move(ex->upstream_id);
    ex->upstream_id.clear();
    exchanges_.erase(id);
    failure = ex->failure;
    ex->failure.reset();
    detail = std::move(ex->detail);
    session = session_;
    transport = transport_;
  }
  if (response) {
    breaker_.RecordSuccess();
    if (metrics_) metrics_->SetBreakerState(options_.name, breaker_.state());
    bool rpc_error = response->kind() == protocol::MessageKind::kError;
    return Finish(ex, rpc_error ? "rpc_error" : "ok", std::move(*response));
  }
  const Error& error = response.error();
  if (error.code() == Code::kCancelled) return Finish(ex, "cancelled", error);
  bool timed_out = error.code() == Code::kDeadlineExceeded ||
                   (failure && failure->kind == FailureKind::kTimeout);
  if (timed_out && !id.empty()) {
    // Tell the upstream to stop, and drop the stream that carried it.
    JsonWriter p;
    p.StartObject()
        .Key("requestId")
        .Raw(id)
        .Field("reason", "timed out at the gateway")
        .EndObject();
    if (session) session->Notify("notifications/cancelled", p.str());
    if (transport) transport->Abandon(id);
  }
  if (!failure) {
    failure = Failure{error.code() == Code::kDeadlineExceeded ? FailureKind::kTimeout
                                                              : FailureKind::kResetAfterSend,
                      {}};
  }
  if (detail.empty()) detail = error.message();
  FailAttempt(ex, *failure, detail);
}

void UpstreamImpl::FailAttempt(const ExchangePtr& ex, Failure failure, const std::string& detail) {
  breaker_.RecordFailure();
  if (metrics_) {
    metrics_->RecordFailure(options_.name, failure.kind);
    metrics_->SetBreakerState(options_.name, breaker_.state());
  }
  int attempt;
  protocol::CallPtr call;
  {
    MutexLock lock(mu_);
    Holds(*ex);
    attempt = ex->attempt;
    call = ex->call;
  }
  if (call && call->cancelled()) {
    return Finish(ex, "cancelled", MakeError(Code::kCancelled, "cancelled by the client"));
  }
  if (options_.retry.ShouldRetry(failure, attempt, ex->idempotent)) {
    if (metrics_) metrics_->RecordRetry(options_.name);
    auto delay = options_.retry.Delay(failure, attempt, random_);
    GW_LOG_DEBUG("upstream '%s': %s attempt %d failed (%s); retrying in %lld ms",
                 options_.name.c_str(), ex->method.c_str(), attempt, detail.c_str(),
                 static_cast<long long>(delay.count()));
    auto self = shared_from_this();
    return After(delay, [self, ex] { self->Attempt(ex); });
  }
  // kUnavailable only when the upstream cannot have run it (the router may then try the
  // next target); kDeadlineExceeded / kAborted when it may have.
  Code code = Code::kUnavailable;
  if (failure.kind == FailureKind::kTimeout) code = Code::kDeadlineExceeded;
  if (failure.kind == FailureKind::kResetAfterSend) code = Code::kAborted;
  std::string message = "upstream '" + options_.name + "': " + detail;
  if (attempt > 1) message += " (after " + std::to_string(attempt) + " attempts)";
  Finish(ex, "failed", MakeError(code, std::move(message)));
}

void UpstreamImpl::Finish(const ExchangePtr& ex, std::string_view outcome, Result<Message> result) {
  protocol::CallPtr call;  // dropped at the end, outside the lock
  {
    MutexLock lock(mu_);
    Holds(*ex);
    if (ex->finished) return;
    ex->finished = true;
    call = std::move(ex->call);
    if (!ex->progress_token.empty()) by_token_.erase(ex->progress_token);
  }
  if (metrics_) {
    double seconds = std::chrono::duration<double>(clock_.Now() - ex->started).count();
    metrics_->RecordRequest(options_.name, outcome, seconds);
  }
  ForwardDone done = std::move(ex->done);
  if (done) done(std::move(result));
}

void UpstreamImpl::CancelExchange(const ExchangePtr& ex) {
  std::string id;
  Session session;
  std::shared_ptr<UpstreamTransport> transport;
  {
    MutexLock lock(mu_);
    Holds(*ex);
    if (ex->finished) return;
    id = ex->upstream_id;
    session = session_;
    transport = transport_;
  }
  if (!id.empty() && session) {
    session->Cancel(id, "the client cancelled the request");  // answers with kCancelled
    if (transport) transport->Abandon(id);
    return;
  }
  Finish(ex, "cancelled", MakeError(Code::kCancelled, "cancelled by the client"));
}

void UpstreamImpl::OnMessage(uint64_t generation, std::string_view text, std::string_view related) {
  Session session = SessionFor(generation);
  if (!session) return;
  tl_related = related;
  session->ReceiveText(text);
  tl_related = {};
}

void UpstreamImpl::OnRequestFailed(uint64_t generation, const std::string& id, Failure failure,
                                   std::string detail) {
  Session session = SessionFor(generation);
  if (!session) return;
  {
    MutexLock lock(mu_);
    auto it = exchanges_.find(id);
    if (it != exchanges_.end()) {
      Holds(*it->second);
      it->second->failure = failure;
      it->second->detail = detail;
    }
  }
  session->Fail(id, Unavailable(std::move(detail)));
}

protocol::CallPtr UpstreamImpl::RelatedCall() const {
  MutexLock lock(mu_);
  if (!tl_related.empty()) {
    auto it = exchanges_.find(std::string(tl_related));
    if (it != exchanges_.end()) {
      Holds(*it->second);
      if (it->second->call) return it->second->call;
    }
  }
  // Without transport-level relation (stdio), a single client call in flight is the only
  // one the request can belong to.
  protocol::CallPtr only;
  for (const auto& [id, ex] : exchanges_) {
    Holds(*ex);
    if (!ex->call) continue;
    if (only) return nullptr;
    only = ex->call;
  }
  return only;
}

void UpstreamImpl::OnServerRequest(const Message& request, const ClientSession::Reply& reply) {
  if (request.method() == "sampling/createMessage" && options_.local_sampling) {
    std::string params = request.params().IsObject() ? protocol::Serialize(request.params()) : "{}";
    options_.local_sampling(std::move(params), [reply](Result<std::string> result) {
      if (!result) {
        return reply.error(result.error().code() == Code::kInvalidArgument
                               ? protocol::rpc::kInvalidParams
                               : protocol::rpc::kInternalError,
                           result.error().message());
      }
      reply.result(*result);
    });
    return;
  }
  protocol::CallPtr call = RelatedCall();
  if (!call) {
    return reply.error(protocol::rpc::kInternalError,
                       "edgegw cannot tell which client '" + request.method() +
                           "' is for: send it while serving that client's request");
  }
  std::string params = request.params().IsObject() ? protocol::Serialize(request.params()) : "{}";
  call->Request(request.method(), params, [reply](Result<Message> response) {
    if (!response) return reply.error(protocol::rpc::kInternalError, response.error().message());
    if (response->kind() == protocol::MessageKind::kError) {
      const protocol::JsonValue& e = response->error();
      return reply.error(
          static_cast<int>(protocol::IntMember(e, "code").value_or(protocol::rpc::kInternalError)),
          protocol::StringMember(e, "message").value_or("error"));
    }
    reply.result(protocol::Serialize(response->result()));
  });
}

void UpstreamImpl::OnNotification(uint64_t generation, const Message& n) {
  const std::string& method = n.method();
  const protocol::JsonValue& params = n.params();
  if (method == "notifications/progress") {
    auto token = protocol::StringMember(params, "progressToken");
    auto progress = protocol::NumberMember(params, "progress");
    if (!token || !progress) return;
    protocol::CallPtr call;
    {
      MutexLock lock(mu_);
      auto it = by_token_.find(std::string(*token));
      if (it != by_token_.end()) {
        Holds(*it->second);
        call = it->second->call;
      }
    }
    if (call) {
      call->Progress(*progress, protocol::NumberMember(params, "total"),
                     protocol::StringMember(params, "message").value_or(""));
    }
    return;
  }
  if (method == "notifications/message") {
    protocol::CallPtr call = RelatedCall();
    const protocol::JsonValue* data = protocol::Member(params, "data");
    std::string level(protocol::StringMember(params, "level").value_or("info"));
    std::string logger(protocol::StringMember(params, "logger").value_or(options_.name));
    if (call) {
      call->Log(level, logger, data ? protocol::Serialize(*data) : "null");
    } else {
      GW_LOG_DEBUG("upstream '%s' [%s] %s", options_.name.c_str(), level.c_str(),
                   data ? protocol::Serialize(*data).c_str() : "");
    }
    return;
  }
  if (method == "notifications/tools/list_changed") return Refresh(generation, "tools");
  if (method == "notifications/prompts/list_changed") return Refresh(generation, "prompts");
  if (method == "notifications/resources/list_changed") return Refresh(generation, "resources");
  if (method == "notifications/resources/updated") {
    auto uri = protocol::StringMember(params, "uri");
    UpstreamListener* listener;
    {
      MutexLock lock(mu_);
      listener = listener_;
    }
    if (uri && listener) listener->ResourceUpdated(*this, *uri);
  }
}

}  // namespace gw::upstream::internal

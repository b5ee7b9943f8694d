#include "gw/base/check.h"
#include "gw/protocol/error_mapping.h"
#include "gw/protocol/internal/session_core.h"
#include "gw/protocol/service.h"

namespace gw::protocol {

Call::Call(std::shared_ptr<SessionCore> session, Message request)
    : session_(std::move(session)), mu_(session_->mutex()), request_(std::move(request)) {
  if (const JsonValue* meta = ObjectMember(request_.params(), "_meta")) {
    const JsonValue* token = Member(*meta, "progressToken");
    if (token && (token->IsString() || token->IsInt64())) progress_token_ = Serialize(*token);
  }
}

Call::~Call() {
  // A request that was accepted is always answered: a service that drops a call without
  // completing it produces an internal error rather than a client waiting forever.
  if (!session_->IsDone(*this)) {
    session_->Complete(
        *this,
        MakeErrorResponse(id(), rpc::kInternalError,
                          "Internal error: the request was dropped without an answer"),
        CallOutcome::kError);
  }
  session_->Forget(*this);
}

const ClientInfo& Call::client() const { return session_->client(); }

const std::string& Call::transport() const { return session_->transport(); }

std::shared_ptr<SessionChannel> Call::session() const { return session_; }

void Call::SetTrace(const TraceContext& trace) {
  MutexLock lock(mu_);
  trace_ = trace;
}

TraceContext Call::trace() const {
  MutexLock lock(mu_);
  return trace_;
}

void Call::AddResultMeta(std::string_view key, std::string_view json) {
  JsonWriter w;
  w.StartObject().Key(key).Raw(json).EndObject();
  std::string member = w.str();  // {"key":json}
  member = member.substr(1, member.size() - 2);
  MutexLock lock(mu_);
  for (auto& [k, m] : result_meta_) {
    if (k == key) return (void)(m = std::move(member));
  }
  result_meta_.emplace_back(std::string(key), std::move(member));
}

namespace {

// A tool result that reports a failure has "isError": true at its top level. Most results do
// not mention it at all, so only those that do are parsed.
CallOutcome OutcomeOf(std::string_view result) {
  if (result.find("\"isError\"") == std::string_view::npos) return CallOutcome::kResult;
  auto doc = ParseJson(result);
  if (!doc || !doc->IsObject()) return CallOutcome::kResult;
  return BoolMember(*doc, "isError").value_or(false) ? CallOutcome::kToolError
                                                     : CallOutcome::kResult;
}

}  // namespace

void Call::Reply(std::string_view result) {
  const CallOutcome outcome = OutcomeOf(result);
  std::string meta;
  {
    MutexLock lock(mu_);
    for (const auto& [key, member] : result_meta_) {
      if (!meta.empty()) meta += ',';
      meta += member;
    }
    result_meta_.clear();
  }
  if (meta.empty()) {
    session_->Complete(*this, MakeResult(id(), result), outcome);
    return;
  }
  // Merge into the result's _meta: spliced in as text when the result has none (the common
  // case; no parse), else merged through a DOM.
  if (!result.empty() && result[0] == '{' && result.find("\"_meta\"") == std::string_view::npos) {
    size_t next = result.find_first_not_of(" \t\r\n", 1);
    bool empty = next != std::string_view::npos && result[next] == '}';
    std::string merged = "{\"_meta\":{" + meta + "}";
    if (!empty) merged += ',';
    merged.append(result.substr(1));
    session_->Complete(*this, MakeResult(id(), merged), outcome);
    return;
  }
  auto doc = ParseJson(result);
  if (!doc || !doc->IsObject()) {
    session_->Complete(*this, MakeResult(id(), result), outcome);
    return;
  }
  JsonValue& existing = ObjectMemberOrAdd(*doc, "_meta");
  if (auto extra = ParseJson("{" + meta + "}")) {
    auto& alloc = doc->GetAllocator();
    for (auto& m : extra->GetObject()) {
      existing.RemoveMember(m.name);
      existing.AddMember(JsonValue(m.name, alloc), JsonValue(m.value, alloc), alloc);
    }
  }
  session_->Complete(*this, MakeResult(id(), Serialize(*doc)), outcome);
}

void Call::Fail(int rpc_code, std::string_view message, std::string_view data) {
  session_->Complete(*this, MakeErrorResponse(id(), rpc_code, message, data), CallOutcome::kError);
}

void Call::Fail(const Error& error) { Fail(RpcCodeFor(error.code()), error.message()); }

void Call::Progress(double progress, std::optional<double> total, std::string_view message) {
  if (progress_token_.empty()) return;
  JsonWriter w;
  w.StartObject().Key("progressToken").Raw(progress_token_).Field("progress", progress);
  if (total) w.Field("total", *total);
  if (!message.empty()) w.Field("message", message);
  w.EndObject();
  session_->SendRelated(*this, MakeNotification("notifications/progress", w.str()));
}

void Call::Notify(std::string_view method, std::string_view params) {
  session_->SendRelated(*this, MakeNotification(method, params));
}

void Call::Log(std::string_view level, std::string_view logger, std::string_view data_json) {
  if (!session_->LevelEnabled(level)) return;
  JsonWriter w;
  w.StartObject().Field("level", level);
  if (!logger.empty()) w.Field("logger", logger);
  w.Key("data").Raw(data_json).EndObject();
  Notify("notifications/message", w.str());
}

void Call::Request(std::string_view method, std::string_view params, ResponseCallback callback) {
  session_->SendRequest(this, method, params, std::move(callback));
}

void Call::InterruptStream() { session_->Interrupt(*this); }

bool Call::cancelled() const { return session_->IsCancelled(*this); }
bool Call::done() const { return session_->IsDone(*this); }

void Call::OnCancel(std::function<void()> handler) {
  session_->SetCancelHandler(*this, std::move(handler));
}

void Call::OnComplete(std::function<void(CallOutcome)> handler) {
  session_->SetCompleteHandler(*this, std::move(handler));
}

}  // namespace gw::protocol

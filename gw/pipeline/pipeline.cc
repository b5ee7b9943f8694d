#include "gw/pipeline/pipeline.h"

#include "gw/base/check.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/telemetry/tracing.h"

namespace gw::pipeline {

void RequestContext::SetRan(StepRecord step) {
  MutexLock lock(mu_);
  ran_ = std::move(step);
}

std::optional<StepRecord> RequestContext::ran() const {
  MutexLock lock(mu_);
  return ran_;
}

void RequestContext::Passed(std::string why) {
  MutexLock lock(mu_);
  if (ran_) {
    if (ran_->outcome.empty()) ran_->outcome = "failed";
    if (ran_->start_unix_ns) ran_->end_unix_ns = telemetry::UnixNanos();
    passed_.push_back(std::move(*ran_));
    ran_.reset();
  }
  reasons_.push_back(std::move(why));
}

void RequestContext::SetRanOutcome(std::string outcome) {
  MutexLock lock(mu_);
  if (ran_) ran_->outcome = std::move(outcome);
}

std::vector<std::string> RequestContext::reasons() const {
  MutexLock lock(mu_);
  return reasons_;
}

std::vector<StepRecord> RequestContext::passed() const {
  MutexLock lock(mu_);
  return passed_;
}

Pipeline::Pipeline(protocol::Service& service, Handler& handler,
                   std::vector<std::unique_ptr<Filter>> filters)
    : service_(service), handler_(handler), filters_(std::move(filters)) {}

RequestContextPtr Pipeline::ContextOf(const protocol::Call& call) {
  auto c = std::make_shared<RequestContext>();
  c->session_id = call.session()->session_id();
  c->transport = call.transport();
  c->method = call.method();
  const protocol::JsonValue& params = call.params();
  if (c->method == "tools/call" || c->method == "prompts/get") {
    c->name = std::string(protocol::StringMember(params, "name").value_or(""));
    c->wants_task = c->method == "tools/call" && protocol::ObjectMember(params, "task");
  } else if (c->method == "resources/read" || c->method == "resources/subscribe" ||
             c->method == "resources/unsubscribe") {
    c->uri = std::string(protocol::StringMember(params, "uri").value_or(""));
  }
  return c;
}

bool Pipeline::Handle(const protocol::CallPtr& call) {
  RequestContextPtr context = ContextOf(*call);
  if (!filters_.empty()) {
    call->OnComplete([this, context](protocol::CallOutcome outcome) {
      for (size_t i = context->filters_entered.load(); i-- > 0;) {
        filters_[i]->OnResponse(*context, outcome);
      }
    });
  }
  for (const auto& filter : filters_) {
    context->filters_entered.fetch_add(1);
    if (filter->OnRequest(*context, call) == Verdict::kStop) {
      if (!call->done()) {
        GW_BUG("a filter stopped a request without answering it");
        call->Fail(protocol::rpc::kInternalError, "Internal error: the request was stopped");
      }
      return true;
    }
  }
  return handler_.Handle(call, context);
}

void Pipeline::SessionClosed(const std::string& session_id) { service_.SessionClosed(session_id); }

}  // namespace gw::pipeline

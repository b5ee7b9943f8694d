// Pipeline: the one place every request passes on its way to a service, whatever transport it
// came over. An ordered chain of filters sees each request with its RequestContext; a filter
// lets it continue or stops it with an answer of its own (an authentication failure, a rate
// limit); after the last filter the terminal Handler (the Executor) runs it. On the way out,
// every filter that saw the request sees how it ended, innermost first.
//
//   transport -> ServerSession -> Pipeline: filter 1 .. filter n -> Executor -> targets
//
// Built-in filters (filters.h): tracing (span per request), routing (the router's decision),
// metrics (route decisions by outcome). The security issue adds authentication, policy, rate
// limits and audit the same way: implement Filter, add it to the list in gw/server.
//
// Ownership: owns its filters; borrows the service it fronts and the terminal handler (both
// must outlive it). Thread-safety: Handle may run on any thread, concurrently; filters must be
// thread-safe.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "gw/pipeline/request_context.h"
#include "gw/protocol/service.h"

namespace gw::pipeline {

enum class Verdict { kContinue, kStop };

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  // Sees the request on its way in. kStop means the filter has completed `call` (Reply or
  // Fail): no later filter and no handler sees it.
  virtual Verdict OnRequest(RequestContext& context, const protocol::CallPtr& call) = 0;
  // Sees how the request ended, on the thread that completed it, just before the answer goes
  // out. Runs for every filter whose OnRequest ran, in reverse order.
  virtual void OnResponse(const RequestContext& context, protocol::CallOutcome outcome) {
    (void)context;
    (void)outcome;
  }
};

// What runs a request after the filters.
class Handler {
 public:
  virtual ~Handler() = default;
  // As protocol::Service::Handle: false when the method is unknown (the session answers).
  virtual bool Handle(const protocol::CallPtr& call, const RequestContextPtr& context) = 0;
};

class Pipeline final : public protocol::Service {
 public:
  // `service` answers initialize's questions (capabilities, info) and hears of closed
  // sessions; `handler` runs requests.
  Pipeline(protocol::Service& service, Handler& handler,
           std::vector<std::unique_ptr<Filter>> filters);

  // protocol::Service.
  std::string Capabilities() const override { return service_.Capabilities(); }
  protocol::ServerInfo Info() const override { return service_.Info(); }
  bool Handle(const protocol::CallPtr& call) override;
  void SessionClosed(const std::string& session_id) override;

  // The request facts of `call` (no principal, trace or decision yet).
  static RequestContextPtr ContextOf(const protocol::Call& call);

 private:
  protocol::Service& service_;
  Handler& handler_;
  const std::vector<std::unique_ptr<Filter>> filters_;
};

}  // namespace gw::pipeline

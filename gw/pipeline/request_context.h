// RequestContext: what the pipeline knows about one request while it is in flight: who sent it
// (principal, session, transport), what it asks (method, tool or prompt name, resource URI),
// when it arrived and must end, its trace, and the router's decision with the step that ran.
//
// One per request, made by the Pipeline before the first filter and shared (shared_ptr) by the
// filters, the executor and the targets until the call completes.
//
// Thread-safety: the request facts are written by the pipeline and the filters on the thread
// that receives the request, before the executor runs, and are read-only after. The execution
// record (`ran`, `reasons`) changes while targets pass the call along, possibly on other
// threads, so it sits behind a mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/base/trace_context.h"
#include "gw/router/decision.h"

namespace gw::pipeline {

// The step that is running (or ran) the call, as metrics and _meta name it.
struct StepRecord {
  std::string route;   // "local", "cloud", "queue"; "none" when no target could run it
  std::string target;  // "local", an upstream's name
  std::string reason;  // why it went there
  // Set when the call's outcome does not say how this step ended: "failed" (the target could
  // not be reached), "queued".
  std::string outcome;
  router::TargetKind kind = router::TargetKind::kCatalog;
  // Tracing, when the request is traced: the step's span and its times.
  SpanId span_id;
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;  // 0 while it runs (the request's end closes it)
};

class RequestContext {
 public:
  using Clock = std::chrono::steady_clock;

  // Request facts (see the thread-safety note above).
  std::string principal;    // who: set by authentication; "" = anonymous
  std::string session_id;   // the MCP session ("stdio" for the stdio session)
  std::string transport;    // "stdio", "http"
  std::string method;       // the JSON-RPC method
  std::string name;         // tools/call and prompts/get: the tool or prompt; else ""
  std::string uri;          // resources/read, subscribe, unsubscribe: the URI; else ""
  bool wants_task = false;  // tools/call with params.task
  Clock::time_point received = Clock::now();
  std::optional<Clock::time_point> deadline;  // when the answer stops being useful
  // Tracing, set by the tracing filter when the request is traced: the request's own span
  // (trace id, span id, sampled), the caller's span, when it began; the decision's times.
  TraceContext trace;
  SpanId parent_span_id;
  int64_t start_unix_ns = 0;
  int64_t decide_start_ns = 0, decide_end_ns = 0;
  std::optional<router::Decision> decision;  // tools/call, set by the routing filter

  // How many filters saw the request on its way in (the pipeline's bookkeeping).
  std::atomic<size_t> filters_entered{0};

  // The execution record: the step running the call, and the steps that passed it on.
  void SetRan(StepRecord step) GW_EXCLUDES(mu_);
  std::optional<StepRecord> ran() const GW_EXCLUDES(mu_);
  // The running step could not take the call (`why`); it is counted with its outcome, "failed"
  // unless the target set another.
  void Passed(std::string why) GW_EXCLUDES(mu_);
  // Marks how the running step ended when the call's outcome does not say it.
  void SetRanOutcome(std::string outcome) GW_EXCLUDES(mu_);
  std::vector<std::string> reasons() const GW_EXCLUDES(mu_);  // why steps passed, in order
  std::vector<StepRecord> passed() const GW_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::optional<StepRecord> ran_ GW_GUARDED_BY(mu_);
  std::vector<StepRecord> passed_ GW_GUARDED_BY(mu_);
  std::vector<std::string> reasons_ GW_GUARDED_BY(mu_);
};
using RequestContextPtr = std::shared_ptr<RequestContext>;

}  // namespace gw::pipeline

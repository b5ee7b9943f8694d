// Upstream: one federated MCP server, kept connected. It owns the transport and the
// ClientSession to that server, reconnects with backoff when the session ends (a stdio child
// that died is started again), keeps a snapshot of what the server offers (tools, resources,
// templates, prompts; refreshed on list_changed), checks health by ping, and forwards client
// calls with retry and a circuit breaker.
//
// A forwarded call stays tied to the client's Call: progress comes back as the client's
// progress (tokens are mapped), the client's cancellation cancels upstream, and sampling,
// elicitation and roots requests that the server makes while serving it go to that client.
//
// Ownership: create with MakeUpstream; the io_context, metrics, clock and random must
// outlive it. Thread-safety: all methods are thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gw/base/clock.h"
#include "gw/base/random.h"
#include "gw/base/version.h"
#include "gw/protocol/service.h"
#include "gw/resilience/circuit_breaker.h"
#include "gw/resilience/retry_policy.h"
#include "gw/transport/client/upstream_transport.h"
#include "gw/upstream/namespacing.h"
#include "gw/upstream/upstream_metrics.h"

namespace gw::upstream {

// The client transports live in gw/transport/client; an upstream runs its session over one.
using transport::TransportEvents;
using transport::UpstreamTransport;

struct UpstreamOptions {
  std::string name;
  std::chrono::milliseconds call_timeout{60000};
  resilience::RetryPolicy retry;
  resilience::CircuitBreakerOptions breaker;
  std::vector<std::string> idempotent_tools;       // tool calls that may be retried after sending
  std::chrono::milliseconds ping_interval{30000};  // 0: no health pings
  std::chrono::milliseconds reconnect_base{250};
  std::chrono::milliseconds reconnect_max{30000};
  std::string client_name = "edgegw";
  std::string client_version{kVersion};
  // When set, the upstream's sampling/createMessage requests are answered here (by the
  // gateway's local model) instead of by the client: called with the request's params, it
  // calls `done` with the CreateMessageResult JSON or an error, from any thread.
  std::function<void(std::string params, std::function<void(Result<std::string>)> done)>
      local_sampling;
  // What it offered last time (saved by the gateway): listed until it connects again.
  std::shared_ptr<const struct UpstreamListing> initial_listing;
};

// What an upstream offers, as it sent it: each item one serialized JSON object.
struct UpstreamListing {
  std::vector<std::string> tools;
  std::vector<std::string> resources;
  std::vector<std::string> templates;
  std::vector<std::string> prompts;
  std::string capabilities = "{}";
  std::string server_name;
  std::string server_version;
};

enum class UpstreamState { kConnecting, kReady, kBackoff, kStopped };
std::string_view UpstreamStateName(UpstreamState state);

class Upstream;
class UpstreamListener {
 public:
  virtual ~UpstreamListener() = default;
  // The listing changed (first connect, or a list_changed from the server).
  virtual void ListingChanged(Upstream& upstream) = 0;
  // notifications/resources/updated from the server, with its (un-namespaced) URI.
  virtual void ResourceUpdated(Upstream& upstream, std::string_view uri) = 0;
};

// The final answer of a forwarded request: the server's response message (a result or a
// JSON-RPC error), or an Error when it could not be obtained (kUnavailable: not connected,
// breaker open, transport failure; kDeadlineExceeded: timed out; kCancelled). Error
// messages name the upstream.
using ForwardDone = std::function<void(Result<protocol::Message> response)>;

class Upstream {
 public:
  virtual ~Upstream() = default;
  virtual const std::string& name() const = 0;
  // Connects (and keeps reconnecting). `listener` must outlive Stop().
  virtual void Start(UpstreamListener* listener) = 0;
  // Ends the session and stops reconnecting; pending calls fail with kUnavailable.
  virtual void Stop() = 0;

  // Forwards `call` (its method and parsed params) with `edit` applied, and _meta's
  // progressToken and traceparent set to the upstream session's own, all in the one pass that
  // writes the params for the wire. `tool` is the upstream's tool name for tools/call (retry
  // rules), else empty.
  virtual void Forward(const protocol::CallPtr& call, const ParamsEdit& edit,
                       const std::string& tool, ForwardDone done) = 0;
  // A request of the gateway's own (subscribe/unsubscribe), with the same retry rules.
  virtual void Request(std::string method, std::string params, ForwardDone done) = 0;

  // Empty until the first successful connect; kept while reconnecting.
  virtual std::shared_ptr<const UpstreamListing> listing() const = 0;
  virtual UpstreamState state() const = 0;
  virtual resilience::BreakerState breaker_state() const = 0;
  virtual std::string Describe() const = 0;
};

using TransportFactory = std::function<std::shared_ptr<UpstreamTransport>()>;

std::shared_ptr<Upstream> MakeUpstream(boost::asio::io_context& io, UpstreamOptions options,
                                       TransportFactory transports, UpstreamMetrics* metrics,
                                       const Clock& clock, Random& random);

}  // namespace gw::upstream

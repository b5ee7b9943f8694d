// Federation: one MCP server made of the local catalog and many upstreams. A
// protocol::Service: lists are served from a merged, namespaced view (namespacing.h) with
// our own pagination; calls, reads, gets, completions and subscriptions go to their owner
// with names translated back; list_changed from an upstream becomes list_changed to every
// client session when the merged view actually changed; resources/updated reaches the
// client sessions that subscribed.
//
// Every forwarded answer carries the routing decision in its result's _meta
// ("io.edgegw/route": {"route": "cloud", "target": NAME}).
//
// Ownership: borrows the local catalog (must outlive it); owns its mounts' upstreams.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/catalog/catalog.h"
#include "gw/protocol/service.h"
#include "gw/router/route_table.h"
#include "gw/telemetry/metrics.h"
#include "gw/upstream/namespacing.h"
#include "gw/upstream/queue_drain.h"
#include "gw/upstream/tasks.h"
#include "gw/upstream/upstream.h"

namespace gw::upstream {

struct Mount {
  std::shared_ptr<Upstream> upstream;
  std::string prefix;      // tool/prompt name prefix, "" = transparent
  std::string uri_prefix;  // resource URI prefix, "" = transparent
};

struct FederationOptions {
  size_t page_size = 50;
  // Called with an upstream's listing whenever it changes (the gateway saves it).
  std::function<void(const std::string& upstream, const UpstreamListing& listing)> save_listing;
  router::RouteTable routes;  // tool calls that follow a fallback chain
};

class Federation final : public protocol::Service, public UpstreamListener {
 public:
  Federation(catalog::Catalog& local, FederationOptions options, telemetry::Registry* registry);
  ~Federation() override;

  // Before Start.
  void Add(Mount mount);
  // Turns on the offline queue: queueable routes end in it, and tasks/* are served.
  // Borrowed; must outlive the federation's Stop().
  void UseQueue(TaskBook* tasks, std::shared_ptr<QueueDrain> drain);
  void Start();
  void Stop();

  // The clashes of the current view, one sentence each.
  std::vector<std::string> clashes() const;
  size_t upstream_count() const { return mounts_.size(); }
  // How many upstreams are connected and ready.
  size_t ready_count() const;
  // Blocks until every upstream is ready or `timeout` passes. Returns whether all are.
  bool WaitForUpstreams(std::chrono::milliseconds timeout);
  // {"NAME": "ready" | "connecting" | "backoff" | "stopped", ...} for /readyz.
  std::string StatusJson() const;

  // protocol::Service.
  std::string Capabilities() const override;
  protocol::ServerInfo Info() const override { return local_.Info(); }
  bool Handle(const protocol::CallPtr& call) override;
  void SessionClosed(const std::string& session_id) override;

  // UpstreamListener.
  void ListingChanged(Upstream& upstream) override;
  void ResourceUpdated(Upstream& upstream, std::string_view uri) override;

 private:
  std::shared_ptr<const FederatedView> view() const;
  void Rebuild(bool notify);
  void Remember(const protocol::CallPtr& call);
  // Completes `call` with the upstream's answer; `decision` goes into the result's _meta.
  void ForwardTo(const protocol::CallPtr& call, size_t source, std::string params, std::string tool,
                 const std::string& uri_prefix_for_contents,
                 const router::RoutingDecision& decision,
                 const std::function<bool(const Error&)>& fallback = nullptr);
  // tools/call along its route's chain (federation_route.cc).
  void CallTool(const protocol::CallPtr& call, const std::shared_ptr<const FederatedView>& view);
  void RunChain(const protocol::CallPtr& call, std::shared_ptr<const FederatedView> view,
                std::vector<std::string> chain, size_t step, std::vector<std::string> reasons,
                const router::Route* route);
  std::optional<size_t> SourceOf(std::string_view upstream_name) const;
  // Queues the call when `route` allows it (federation_route.cc). False when it does not.
  bool TryQueue(const protocol::CallPtr& call, const std::shared_ptr<const FederatedView>& view,
                const router::Route* route, const std::string& why);
  std::string DecisionJson(const router::RoutingDecision& decision) const;
  void Subscribe(const protocol::CallPtr& call, bool subscribe);
  void RecordRoute(std::string_view route, std::string_view target, std::string_view outcome);
  // The metric's outcome label: ok, error (a JSON-RPC error or a tool result with isError),
  // cancelled.
  static std::string_view OutcomeName(protocol::CallOutcome outcome);

  catalog::Catalog& local_;
  const FederationOptions options_;
  TaskBook* tasks_ = nullptr;          // set before Start
  std::shared_ptr<QueueDrain> drain_;  // set before Start
  std::vector<Mount> mounts_;          // fixed after Start; source i+1 of the view is mounts_[i]
  telemetry::Family<telemetry::Counter>* routes_ = nullptr;

  mutable Mutex mu_;
  std::shared_ptr<const FederatedView> view_ GW_GUARDED_BY(mu_);
  std::map<std::string, std::weak_ptr<protocol::SessionChannel>> sessions_ GW_GUARDED_BY(mu_);
  // Namespaced URI -> subscribed session ids (upstream-owned URIs only).
  std::map<std::string, std::set<std::string>> subscribers_ GW_GUARDED_BY(mu_);

  Mutex routes_mu_;
  std::map<std::string, telemetry::Counter*, std::less<>> route_counters_ GW_GUARDED_BY(routes_mu_);

  // Guards no field: held around ready_cv_, which wakes WaitForUpstreams on listing changes
  // (the upstreams' states it reads have locks of their own).
  Mutex ready_mu_;
  CondVar ready_cv_;
};

}  // namespace gw::upstream

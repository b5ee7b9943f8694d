// Federation: one MCP server made of the local catalog and many upstreams. A
// protocol::Service: lists are served from a merged, namespaced view (namespacing.h) with
// our own pagination; calls, reads, gets, completions and subscriptions go to their owner
// with names translated back; list_changed from an upstream becomes list_changed to every
// client session when the merged view actually changed; resources/updated reaches the
// client sessions that subscribed.
//
// Tool calls do not come through Handle: the pipeline's executor decides where they run
// (gw/pipeline) and sends those for an upstream through ForwardTool. Every other forwarded
// answer carries its owner in the result's _meta ("io.edgegw/route": {"route": "cloud",
// "target": NAME, "reason": "owner"}).
//
// The gateway's own server (the local catalog) is source 0 of the view: a Service, with its
// listings from FederationOptions::local_items. Routes reach the federation as plain facts
// (routed tool names, task capability), so it knows neither the catalog nor the router.
//
// Ownership: borrows the local service (must outlive it); owns its mounts' upstreams.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/protocol/service.h"
#include "gw/upstream/namespacing.h"
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
  // The local service's tools, resources, templates and prompts (serialized objects).
  std::function<SourceItems()> local_items;
  // Exact tool names a [[route]] makes callable, each with its chain of targets ("local" or
  // an upstream's name): a name no source lists is listed as the first target that has it
  // describes it.
  std::vector<std::pair<std::string, std::vector<std::string>>> routed_tools;
  // The offline queue is on (gw/tasks serves tasks/*): the tasks capability is announced,
  // and tools for which `task_capable` says yes are listed as task-capable.
  bool tasks = false;
  std::function<bool(std::string_view tool)> task_capable;
  // An upstream (re)connected: what waited for it may go now (the queue drain's kick).
  std::function<void(const std::string& upstream)> on_ready;
};

class Federation final : public protocol::Service, public UpstreamListener {
 public:
  Federation(protocol::Service& local, FederationOptions options);
  ~Federation() override;

  // Before Start.
  void Add(Mount mount);
  void Start();
  void Stop();

  size_t upstream_count() const { return mounts_.size(); }
  const std::vector<Mount>& mounts() const { return mounts_; }

  // For the pipeline's targets.
  // The upstream that lists `tool` in the merged view, or "" (local, or nobody).
  std::string ToolOwner(std::string_view tool) const;
  // `upstream`'s own name for `tool`: the original when the view says it owns `tool`, else
  // `tool` itself (a route may point a plain name at any upstream that has it).
  std::string OriginalName(std::string_view tool, std::string_view upstream) const;
  // Forwards a tools/call to `upstream` under its own name for the tool. When the upstream
  // could not have run the call (kUnavailable: not connected, breaker open, the transport
  // failed before sending), `unreachable` is asked first; true means it took the call over,
  // false that the call fails with the upstream's error.
  void ForwardTool(const protocol::CallPtr& call, std::string_view upstream,
                   const std::function<bool(const Error&)>& unreachable);
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
  // Completes `call` with the upstream's answer. `owner_meta`: add the owner to the result's
  // _meta (tool calls get theirs from the executor).
  void ForwardTo(const protocol::CallPtr& call, size_t source, const ParamsEdit& edit,
                 const std::string& tool, const std::string& uri_prefix_for_contents,
                 bool owner_meta, const std::function<bool(const Error&)>& unreachable = nullptr);
  std::optional<size_t> SourceOf(std::string_view upstream_name) const;
  void Subscribe(const protocol::CallPtr& call, bool subscribe);

  protocol::Service& local_;
  const FederationOptions options_;
  std::vector<Mount> mounts_;  // fixed after Start; source i+1 of the view is mounts_[i]

  mutable Mutex mu_;
  std::shared_ptr<const FederatedView> view_ GW_GUARDED_BY(mu_);
  std::map<std::string, std::weak_ptr<protocol::SessionChannel>> sessions_ GW_GUARDED_BY(mu_);
  // Namespaced URI -> subscribed session ids (upstream-owned URIs only).
  std::map<std::string, std::set<std::string>> subscribers_ GW_GUARDED_BY(mu_);

  // Guards no field: held around ready_cv_, which wakes WaitForUpstreams on listing changes
  // (the upstreams' states it reads have locks of their own).
  Mutex ready_mu_;
  CondVar ready_cv_;
};

}  // namespace gw::upstream

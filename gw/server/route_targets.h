// The pipeline's route targets over the gateway's real parts: the local catalog, an upstream
// of the federation, and the offline queue (the engine's target is LocalModels::Target, in
// local_models.h). Each reports what the router needs (gw/router/decision.h) and runs a
// tools/call the way its part does.
//
// Ownership: each borrows the part it fronts (which must outlive it).
// Thread-safety: all methods are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gw/catalog/catalog.h"
#include "gw/pipeline/target.h"
#include "gw/tasks/tasks.h"
#include "gw/upstream/federation.h"
#include "gw/upstream/upstream.h"

namespace gw::server {

// The local catalog's tools. Never passes a call on: the catalog answers (also "Unknown tool").
class CatalogTarget final : public pipeline::Target {
 public:
  explicit CatalogTarget(catalog::Catalog& catalog) : catalog_(catalog) {}
  router::TargetState State(std::string_view tool) const override;
  void Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
           const router::Step& step, pipeline::Hop hop) override;

 private:
  catalog::Catalog& catalog_;
};

// One upstream, through the federation (its names and session). Passes a call on when the
// upstream cannot have run it (not connected, breaker open, transport failed before sending).
class UpstreamTarget final : public pipeline::Target {
 public:
  UpstreamTarget(upstream::Federation& federation, std::shared_ptr<upstream::Upstream> upstream)
      : federation_(federation), upstream_(std::move(upstream)) {}
  router::TargetState State(std::string_view tool) const override;
  void Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
           const router::Step& step, pipeline::Hop hop) override;

 private:
  upstream::Federation& federation_;
  const std::shared_ptr<upstream::Upstream> upstream_;
};

// The offline queue: holds the call for the upstream the step names and answers with a task
// (or, for a client that did not ask for one, with the result once delivered; docs/queue.md).
class QueueTarget final : public pipeline::Target {
 public:
  QueueTarget(tasks::TaskBook& tasks, upstream::Federation& federation)
      : tasks_(tasks), federation_(federation) {}
  router::TargetState State(std::string_view tool) const override;
  void Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
           const router::Step& step, pipeline::Hop hop) override;

 private:
  tasks::TaskBook& tasks_;
  upstream::Federation& federation_;
};

}  // namespace gw::server

// Target: a place where a tool call can run (the local catalog, the local model engine, an
// upstream MCP server, the offline queue), as the Executor sees it. Adapters over the real
// parts live in the composition root (gw/server/route_targets.*); tests use fakes.
//
// A target either takes the call (and completes it, now or later, as a Service would) or, when
// it cannot take it and has done nothing the client can see (no progress sent, nothing run on
// an upstream), hands it back with a reason through the Hop, and the executor tries the next
// step of the plan.
//
// Thread-safety: implementations are thread-safe; Run may be called on any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "gw/pipeline/request_context.h"
#include "gw/protocol/service.h"
#include "gw/router/decision.h"

namespace gw::pipeline {

// How a target may hand a call back.
struct Hop {
  // Hands the call on with why this target could not take it. Call at most once, and only
  // instead of completing the call.
  std::function<void(std::string why)> pass;
  // Another step follows (pass leads to a target, not to an error).
  bool has_next = false;
  // Nothing passed before and nothing follows: the target's own error is the best answer,
  // so it should answer rather than pass.
  bool alone = true;
};

class Target {
 public:
  virtual ~Target() = default;
  // What the router needs to know about this target, for `tool`.
  virtual router::TargetState State(std::string_view tool) const = 0;
  // Runs `call` (a tools/call) as `step`: completes it, or passes it on through `hop`.
  virtual void Run(const protocol::CallPtr& call, const RequestContextPtr& context,
                   const router::Step& step, Hop hop) = 0;
};

}  // namespace gw::pipeline

// LocalModels: the gateway's own GGUF models, served over MCP.
//   - the tool `generate` (prompt, model, max_tokens, sampling settings, stop strings): tokens
//     stream as notifications/progress, and a cancelled call stops generating;
//   - one resource per model, edgegw://models/NAME (its shape and size as JSON);
//   - with [models] sampling_model, answers to upstream servers' sampling/createMessage.
// Models are the *.gguf files of [models] dir (default <data_dir>/models) and [models] files,
// each named by its file name without .gguf. All inference runs on one engine thread with the
// model manager's compute pool, never on an I/O thread; requests queue there in order.
//
// The engine is a route target of its own (MakeTarget): a generate call on a [[route]] with
// chain ["local", "cloud"] passes to the cloud when the engine cannot take it: no such model,
// over the memory budget, a prompt longer than the model's context, or still waiting for the
// busy engine after [models] fallback_wait_ms. Only before anything was generated.
//
// Ownership: owns the model manager and the engine thread; the catalog holds handlers that
// point back here, so it must not outlive this. Thread-safety: all methods are thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "gw/base/mutex.h"
#include "gw/base/result.h"
#include "gw/catalog/catalog.h"
#include "gw/engine/model_manager.h"
#include "gw/pipeline/target.h"
#include "gw/server/config.h"
#include "gw/telemetry/metrics.h"

namespace gw::server {

// A model's description as the JSON object of `edgegw model info` and edgegw://models/NAME.
// `loaded`, when given, adds whether it is loaded and its resident bytes.
std::string ModelDescriptionJson(const engine::ModelDescription& d,
                                 const engine::ModelStatus* loaded = nullptr);

class LocalModels {
 public:
  // Finds the models; an empty set is fine (nothing is registered then). Fails on a models
  // directory that cannot be read, a file that does not exist, or two models with one name.
  // Metrics: edgegw_model_requests_total{outcome=done|cached|cancelled|error|passed} and
  // edgegw_model_tokens_total (generated tokens).
  static Result<std::unique_ptr<LocalModels>> Create(const Config& config,
                                                     telemetry::Registry& registry);
  ~LocalModels();

  size_t model_count() const { return manager_->models().size(); }
  // Adds the generate tool and the model resources (when there is at least one model).
  Status Register(catalog::Catalog& catalog);
  // The engine as a route target for the generate tool (valid while this lives): the catalog
  // checks the arguments against the tool's schema, then the engine runs the call or passes it.
  std::unique_ptr<pipeline::Target> MakeTarget(catalog::Catalog& catalog);
  // The handler for UpstreamOptions::local_sampling, or null without a sampling model.
  std::function<void(std::string, std::function<void(Result<std::string>)>)> SamplingHandler();

 private:
  class EngineTarget;
  using Clock = std::chrono::steady_clock;
  // Work for the engine thread. A job with a deadline that has not started by then runs
  // `expire` instead of `run` (on the engine thread, or on the thread that posted it).
  struct Job {
    std::function<void()> run;
    std::optional<Clock::time_point> deadline;
    std::function<void()> expire;
  };

  LocalModels(std::unique_ptr<engine::ModelManager> manager, std::string sampling_model,
              Clock::duration fallback_wait, telemetry::Registry& registry);
  void Record(std::string_view outcome, size_t tokens);
  void Post(Job job);
  // Takes the waiting jobs past their deadline out of the queue and expires them.
  void ExpireOverdue();
  void EngineLoop();
  // The generate tool: reads the arguments, then queues the generation. `hop` passes the call
  // to the next route step when the engine cannot take it (see the header comment).
  void StartGenerate(const catalog::CallPtr& call, const protocol::JsonValue& args,
                     pipeline::Hop hop);
  void RunGenerate(const catalog::CallPtr& call, const engine::ModelRequest& request,
                   const pipeline::Hop& hop);
  Result<std::string> Sample(const std::string& params);

  std::unique_ptr<engine::ModelManager> manager_;
  const std::string sampling_model_;
  const Clock::duration fallback_wait_;
  std::string default_model_;
  std::string names_;  // the models' names, for messages
  telemetry::Family<telemetry::Counter>& requests_;
  telemetry::Counter& tokens_;
  Mutex mu_;
  CondVar cv_;
  std::deque<Job> jobs_ GW_GUARDED_BY(mu_);
  bool busy_ GW_GUARDED_BY(mu_) = false;  // the engine thread is running a job
  bool stop_ GW_GUARDED_BY(mu_) = false;

  std::thread engine_thread_;
};

}  // namespace gw::server

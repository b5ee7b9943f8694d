// ModelManager: the local models a gateway serves, by name. A model is loaded (mapped and
// checked) on first use and kept while it fits the memory budget; the least recently used
// ones are unloaded to make room. Deterministic requests (greedy, or a given seed) are
// answered from an output cache when the same prompt and settings come again.
//
// Generation runs on the calling thread with the manager's compute pool, one request at a
// time (a small device has one pool's worth of cores); callers queue on the lock. Call it from
// a compute thread, never from an I/O thread.
//
// Ownership: owns the pool, the loaded models and their sessions; file access goes through the
// injected ModelOpener (gw/platform maps files). Thread-safety: every method is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/base/result.h"
#include "gw/engine/compute_pool.h"
#include "gw/engine/generator.h"
#include "gw/engine/kernels/kernels.h"
#include "gw/engine/llama_model.h"
#include "gw/engine/llama_session.h"

namespace gw::engine {

// The bytes of a model file, kept alive while the model is loaded (an mmap, usually).
class ModelBytes {
 public:
  virtual ~ModelBytes() = default;
  virtual std::string_view bytes() const = 0;
  // The engine will not read `range` (inside bytes()) again: a mapping may drop it from
  // memory. True if it did (the range no longer counts against the memory budget).
  virtual bool Release(std::string_view range) {
    (void)range;
    return false;
  }
};
using ModelOpener = std::function<Result<std::unique_ptr<ModelBytes>>(const std::string& path)>;

struct ModelManagerOptions {
  std::map<std::string, std::string> models;  // name -> GGUF path
  uint64_t memory_budget_bytes =
      1ull << 30;  // weights (as read, or repacked) + KV caches of loaded models
  int threads = 1;
  uint32_t context = 2048;           // per session, at most the model's own
  size_t output_cache_entries = 64;  // 0: no output cache
};

struct ModelRequest {
  std::string model;
  std::string prompt;                  // tokenized with BOS
  std::vector<int32_t> prompt_tokens;  // used instead of `prompt` when not empty
  GenerateOptions options;
  bool deterministic = false;  // greedy or seeded: may be answered from the cache
};

struct ModelReply {
  GenerateResult result;
  bool cached = false;
  double load_ms = 0;  // > 0 when this request loaded the model
};

struct ModelDescription {
  std::string name, path, type, general_name;
  LlamaParams params;
  uint64_t parameters = 0, file_bytes = 0, bytes_per_token = 0;
  bool tied_output = false;
};

// A loaded model's description (name, path and file_bytes are the caller's to fill).
ModelDescription DescribeModel(const LlamaModel& model);

struct ModelStatus {
  std::string name, path;
  bool loaded = false;
  uint64_t resident_bytes = 0;  // file + KV cache while loaded
};

class ModelManager {
 public:
  ModelManager(ModelManagerOptions options, ModelOpener opener);
  ~ModelManager();

  // kNotFound for an unknown model; kResourceExhausted when it cannot fit the budget alone or
  // the prompt is longer than its context (nothing was generated then); kInvalidArgument for a
  // bad model file or request. `sink` streams tokens and may cancel.
  Result<ModelReply> Generate(const ModelRequest& request, const TokenSink& sink = nullptr);
  // The model's shape and size (maps and checks the file; loads nothing into the cache).
  Result<ModelDescription> Describe(const std::string& name);
  std::vector<ModelStatus> Status() const;
  bool Has(const std::string& name) const { return options_.models.count(name) > 0; }
  const std::map<std::string, std::string>& models() const { return options_.models; }
  uint64_t cache_hits() const;

 private:
  struct Loaded {
    std::unique_ptr<ModelBytes> bytes;
    std::unique_ptr<LlamaModel> model;
    std::unique_ptr<LlamaSession> session;
    uint64_t resident = 0;
  };
  Result<Loaded*> Acquire(const std::string& name, double* load_ms) GW_REQUIRES(gen_mu_);
  std::string CacheKey(const ModelRequest& r, const std::vector<int32_t>& prompt) const;

  const ModelManagerOptions options_;
  const ModelOpener opener_;
  ComputePool pool_;
  Mutex gen_mu_;  // one generation at a time
  std::map<std::string, Loaded> loaded_ GW_GUARDED_BY(gen_mu_);
  std::list<std::string> lru_ GW_GUARDED_BY(gen_mu_);  // most recent first
  uint64_t resident_ GW_GUARDED_BY(gen_mu_) = 0;
  std::list<std::pair<std::string, GenerateResult>> cache_
      GW_GUARDED_BY(gen_mu_);  // most recent first
  mutable Mutex stat_mu_;
  std::map<std::string, uint64_t> resident_by_name_ GW_GUARDED_BY(stat_mu_);
  uint64_t cache_hits_ GW_GUARDED_BY(stat_mu_) = 0;
};

}  // namespace gw::engine

#include "gw/engine/model_manager.h"

#include <chrono>

namespace gw::engine {

ModelManager::ModelManager(ModelManagerOptions options, ModelOpener opener)
    : options_(std::move(options)), opener_(std::move(opener)), pool_(options_.threads) {}

ModelManager::~ModelManager() = default;

Result<ModelManager::Loaded*> ModelManager::Acquire(const std::string& name, double* load_ms) {
  auto path = options_.models.find(name);
  if (path == options_.models.end()) return NotFound("no local model named '" + name + "'");
  lru_.remove(name);
  lru_.push_front(name);
  auto it = loaded_.find(name);
  if (it != loaded_.end()) return &it->second;

  auto start = std::chrono::steady_clock::now();
  Loaded l;
  GW_ASSIGN_OR_RETURN(l.bytes, opener_(path->second));
  auto model = LlamaModel::Load(l.bytes->bytes());
  if (!model)
    return MakeError(model.error().code(),
                     "model '" + name + "' (" + path->second + "): " + model.error().message());
  l.model = std::move(*model);
  const uint32_t ctx = std::min(options_.context, l.model->params().n_ctx_train);
  uint64_t released = 0;
  for (std::string_view range : l.model->unread_file_ranges()) {
    if (l.bytes->Release(range)) released += range.size();
  }
  l.resident = l.bytes->bytes().size() - released + l.model->owned_bytes() +
               LlamaSession::KvCacheBytes(l.model->params(), ctx, BestKernels());
  if (l.resident > options_.memory_budget_bytes) {
    lru_.remove(name);
    return ResourceExhausted("model '" + name + "' needs " + std::to_string(l.resident >> 20) +
                             " MiB with its context, more than the memory budget of " +
                             std::to_string(options_.memory_budget_bytes >> 20) + " MiB");
  }
  // Unload the least recently used models until this one fits.
  while (resident_ + l.resident > options_.memory_budget_bytes && !loaded_.empty()) {
    std::string victim = lru_.back();
    lru_.pop_back();
    auto v = loaded_.find(victim);
    if (v == loaded_.end()) continue;
    resident_ -= v->second.resident;
    loaded_.erase(v);
    MutexLock lock(stat_mu_);
    resident_by_name_.erase(victim);
  }
  GW_ASSIGN_OR_RETURN(l.session, LlamaSession::Create(*l.model, pool_, BestKernels(), ctx));
  resident_ += l.resident;
  {
    MutexLock lock(stat_mu_);
    resident_by_name_[name] = l.resident;
  }
  *load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return &loaded_.emplace(name, std::move(l)).first->second;
}

std::string ModelManager::CacheKey(const ModelRequest& r,
                                   const std::vector<int32_t>& prompt) const {
  const GenerateOptions& o = r.options;
  const SamplingParams& s = o.sampling;
  std::string key = r.model + '\0';
  for (int32_t t : prompt) key += std::to_string(t) + ',';
  key += '\0' + std::to_string(o.max_tokens) + ',' + std::to_string(o.ignore_eos) + ',' +
         std::to_string(s.temperature) + ',' + std::to_string(s.top_k) + ',' +
         std::to_string(s.top_p) + ',' + std::to_string(s.min_p) + ',' +
         std::to_string(s.repeat_penalty) + ',' + std::to_string(s.repeat_last_n) + ',' +
         std::to_string(s.seed);
  for (const std::string& stop : o.stop) key += '\0' + stop;
  return key;
}

Result<ModelReply> ModelManager::Generate(const ModelRequest& request, const TokenSink& sink) {
  MutexLock lock(gen_mu_);
  ModelReply reply;
  GW_ASSIGN_OR_RETURN(Loaded * l, Acquire(request.model, &reply.load_ms));
  std::vector<int32_t> prompt = request.prompt_tokens.empty()
                                    ? l->model->tokenizer().Encode(request.prompt, true)
                                    : request.prompt_tokens;
  if (prompt.size() > l->session->n_ctx()) {
    return ResourceExhausted("the prompt has " + std::to_string(prompt.size()) +
                             " tokens, more than the context of model '" + request.model + "' (" +
                             std::to_string(l->session->n_ctx()) + ")");
  }
  const bool cacheable = request.deterministic && options_.output_cache_entries > 0;
  std::string key = cacheable ? CacheKey(request, prompt) : std::string();
  if (cacheable) {
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first != key) continue;
      cache_.splice(cache_.begin(), cache_, it);
      reply.result = cache_.front().second;
      reply.cached = true;
      MutexLock stat(stat_mu_);
      ++cache_hits_;
      return reply;
    }
  }
  l->session->Truncate(0);
  GW_ASSIGN_OR_RETURN(reply.result, engine::Generate(*l->session, prompt, request.options, sink));
  if (cacheable && reply.result.stop_reason != StopReason::kCancelled) {
    cache_.emplace_front(std::move(key), reply.result);
    while (cache_.size() > options_.output_cache_entries) cache_.pop_back();
  }
  return reply;
}

Result<ModelDescription> ModelManager::Describe(const std::string& name) {
  auto path = options_.models.find(name);
  if (path == options_.models.end()) return NotFound("no local model named '" + name + "'");
  GW_ASSIGN_OR_RETURN(std::unique_ptr<ModelBytes> bytes, opener_(path->second));
  auto model = LlamaModel::Load(bytes->bytes());
  if (!model)
    return MakeError(model.error().code(), "model '" + name + "': " + model.error().message());
  ModelDescription d = DescribeModel(**model);
  d.name = name;
  d.path = path->second;
  d.file_bytes = bytes->bytes().size();
  return d;
}

ModelDescription DescribeModel(const LlamaModel& model) {
  ModelDescription d;
  d.type = std::string(model.weight_type_name());
  d.general_name = model.file().GetString("general.name").value_or("");
  d.params = model.params();
  d.parameters = model.parameter_count();
  d.bytes_per_token = model.weight_bytes_per_token();
  d.tied_output = model.tied_output();
  return d;
}

std::vector<ModelStatus> ModelManager::Status() const {
  MutexLock lock(stat_mu_);
  std::vector<ModelStatus> out;
  for (const auto& [name, path] : options_.models) {
    auto it = resident_by_name_.find(name);
    out.push_back({name, path, it != resident_by_name_.end(),
                   it != resident_by_name_.end() ? it->second : 0});
  }
  return out;
}

uint64_t ModelManager::cache_hits() const {
  MutexLock lock(stat_mu_);
  return cache_hits_;
}

}  // namespace gw::engine

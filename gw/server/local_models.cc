#include "gw/server/local_models.h"

#include <algorithm>
#include <filesystem>

#include "gw/base/log.h"
#include "gw/base/random.h"
#include "gw/platform/mapped_file.h"
#include "gw/protocol/json.h"

namespace gw::server {
namespace {

using protocol::JsonValue;
using protocol::JsonWriter;

class MappedModel final : public engine::ModelBytes {
 public:
  explicit MappedModel(std::unique_ptr<platform::MappedFile> file) : file_(std::move(file)) {}
  std::string_view bytes() const override { return file_->bytes(); }
  bool Release(std::string_view range) override {
    file_->DropPages(range);
    return true;
  }

 private:
  std::unique_ptr<platform::MappedFile> file_;
};

constexpr const char* kGenerateSchema =
    R"js({"type":"object","properties":{)js"
    R"js("prompt":{"type":"string","description":"Text to continue"},)js"
    R"js("model":{"type":"string","description":"Local model name (default: the first)"},)js"
    R"js("max_tokens":{"type":"integer","minimum":1,"maximum":4096,"description":"At most this many tokens (default 128)"},)js"
    R"js("temperature":{"type":"number","minimum":0,"maximum":100,"description":"0 is greedy (default 0.8)"},)js"
    R"js("top_k":{"type":"integer","minimum":0},"top_p":{"type":"number","minimum":0,"maximum":1},)js"
    R"js("min_p":{"type":"number","minimum":0,"maximum":1},"repeat_penalty":{"type":"number","minimum":0,"maximum":10},)js"
    R"js("seed":{"type":"integer","minimum":0,"description":"Sampling seed: the same seed gives the same text"},)js"
    R"js("stop":{"type":"array","items":{"type":"string"},"description":"Stop before any of these"}},)js"
    R"js("required":["prompt"],"additionalProperties":false})js";

constexpr const char* kGenerateOutputSchema =
    R"({"type":"object","properties":{"model":{"type":"string"},"text":{"type":"string"},)"
    R"("stop_reason":{"type":"string"},"prompt_tokens":{"type":"integer"},"completion_tokens":{"type":"integer"},)"
    R"("cached":{"type":"boolean"},"timings":{"type":"object"}},"required":["model","text","stop_reason"]})";

std::string Stem(const std::filesystem::path& p) { return p.stem().string(); }

// Sampling settings from a JSON object (the tool's arguments); `deterministic` when greedy
// or seeded.
Status ReadSampling(const JsonValue& args, engine::GenerateOptions* o, bool* deterministic) {
  engine::SamplingParams& s = o->sampling;
  if (auto v = protocol::NumberMember(args, "temperature")) s.temperature = static_cast<float>(*v);
  if (auto v = protocol::IntMember(args, "top_k")) s.top_k = static_cast<int32_t>(*v);
  if (auto v = protocol::NumberMember(args, "top_p")) s.top_p = static_cast<float>(*v);
  if (auto v = protocol::NumberMember(args, "min_p")) s.min_p = static_cast<float>(*v);
  if (auto v = protocol::NumberMember(args, "repeat_penalty"))
    s.repeat_penalty = static_cast<float>(*v);
  std::optional<int64_t> seed = protocol::IntMember(args, "seed");
  // Greedy ignores the seed: keep it fixed so that equal requests share a cache entry.
  s.seed = seed ? static_cast<uint64_t>(*seed) : s.temperature == 0 ? 0 : RealRandom().Next();
  *deterministic = s.temperature == 0 || seed.has_value();
  return s.Validate();
}

}  // namespace

std::string ModelDescriptionJson(const engine::ModelDescription& d,
                                 const engine::ModelStatus* loaded) {
  JsonWriter m;
  m.StartObject().Field("name", d.name).Field("path", d.path).Field("architecture", "llama");
  m.Field("type", d.type).Key("parameters").Uint(d.parameters).Key("file_bytes").Uint(d.file_bytes);
  m.Key("bytes_per_token").Uint(d.bytes_per_token).Key("vocab").Uint(d.params.n_vocab);
  m.Key("dim")
      .Uint(d.params.n_embd)
      .Key("layers")
      .Uint(d.params.n_layer)
      .Key("heads")
      .Uint(d.params.n_head);
  m.Key("kv_heads").Uint(d.params.n_head_kv).Key("ff").Uint(d.params.n_ff);
  m.Key("context")
      .Uint(d.params.n_ctx_train)
      .Field("rope_base", static_cast<double>(d.params.rope_base));
  m.Field("tied_output", d.tied_output);
  if (loaded) m.Field("loaded", loaded->loaded).Key("resident_bytes").Uint(loaded->resident_bytes);
  m.EndObject();
  return m.str();
}

Result<std::unique_ptr<LocalModels>> LocalModels::Create(const Config& config,
                                                         telemetry::Registry& registry) {
  engine::ModelManagerOptions o;
  namespace fs = std::filesystem;
  auto add = [&](const fs::path& path) -> Status {
    std::string name = Stem(path);
    if (!o.models.emplace(name, path.string()).second) {
      return InvalidArgument("two local models are named '" + name + "' (" + o.models[name] +
                             " and " + path.string() + "); rename one");
    }
    return OkStatus();
  };
  if (config.models_enabled) {
    fs::path dir = config.models_dir.empty() ? fs::path(config.data_dir) / "models"
                                             : fs::path(config.models_dir);
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".gguf")
          found.push_back(entry.path());
      }
      if (ec) return Unavailable("models.dir " + dir.string() + ": " + ec.message());
      std::sort(found.begin(), found.end());
      for (const fs::path& p : found) GW_RETURN_IF_ERROR(add(p));
    } else if (!config.models_dir.empty()) {
      return InvalidArgument("models.dir '" + config.models_dir + "' is not a directory");
    }
    for (const std::string& f : config.model_files) {
      if (!fs::is_regular_file(f, ec))
        return InvalidArgument("models.files: '" + f + "' is not a file");
      GW_RETURN_IF_ERROR(add(f));
    }
  }
  if (!config.sampling_model.empty() && !o.models.count(config.sampling_model)) {
    return InvalidArgument("models.sampling_model '" + config.sampling_model +
                           "' is not one of the local models");
  }
  o.memory_budget_bytes = static_cast<uint64_t>(config.models_memory_budget_mb) << 20;
  o.threads = config.models_threads > 0
                  ? config.models_threads
                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.context = static_cast<uint32_t>(config.models_context);
  o.output_cache_entries = static_cast<size_t>(config.models_cache_entries);
  auto opener = [](const std::string& path) -> Result<std::unique_ptr<engine::ModelBytes>> {
    GW_ASSIGN_OR_RETURN(std::unique_ptr<platform::MappedFile> file,
                        platform::MappedFile::Open(path));
    return std::unique_ptr<engine::ModelBytes>(new MappedModel(std::move(file)));
  };
  auto manager = std::make_unique<engine::ModelManager>(std::move(o), opener);
  return std::unique_ptr<LocalModels>(
      new LocalModels(std::move(manager), config.sampling_model,
                      std::chrono::milliseconds(config.models_fallback_wait_ms), registry));
}

LocalModels::LocalModels(std::unique_ptr<engine::ModelManager> manager, std::string sampling_model,
                         Clock::duration fallback_wait, telemetry::Registry& registry)
    : manager_(std::move(manager)),
      sampling_model_(std::move(sampling_model)),
      fallback_wait_(fallback_wait),
      requests_(registry.AddCounter("edgegw_model_requests_total",
                                    "Local model generations, by outcome.", {"outcome"})),
      tokens_(registry.AddCounter("edgegw_model_tokens_total", "Tokens generated by local models.")
                  .With({})) {
  registry.AddGaugeFunction("edgegw_model_resident_bytes",
                            "Memory the loaded local models hold (weights as kept, KV caches).",
                            [this] {
                              uint64_t bytes = 0;
                              for (const engine::ModelStatus& s : manager_->Status())
                                bytes += s.loaded ? s.resident_bytes : 0;
                              return static_cast<double>(bytes);
                            });
  if (!manager_->models().empty()) default_model_ = manager_->models().begin()->first;
  for (const auto& [name, path] : manager_->models()) names_ += (names_.empty() ? "" : ", ") + name;
  engine_thread_ = std::thread([this] { EngineLoop(); });
}

LocalModels::~LocalModels() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  engine_thread_.join();
}

void LocalModels::Record(std::string_view outcome, size_t tokens) {
  requests_.With({std::string(outcome)}).Add();
  tokens_.Add(tokens);
}

void LocalModels::Post(Job job) {
  {
    MutexLock lock(mu_);
    // An idle engine starts the job at once: no deadline to miss.
    if (!busy_ && jobs_.empty()) job.deadline.reset();
    jobs_.push_back(std::move(job));
  }
  cv_.Signal();
}

void LocalModels::ExpireOverdue() {
  std::vector<Job> overdue;
  {
    MutexLock lock(mu_);
    const Clock::time_point now = Clock::now();
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->deadline && *it->deadline <= now) {
        overdue.push_back(std::move(*it));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (Job& job : overdue) job.expire();
}

void LocalModels::EngineLoop() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      busy_ = false;
      while (!stop_ && jobs_.empty()) cv_.Wait(mu_);
      if (jobs_.empty()) return;  // stopping, and nothing accepted is left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    if (job.deadline && *job.deadline <= Clock::now()) {
      job.expire();
    } else {
      job.run();
    }
  }
}

Status LocalModels::Register(catalog::Catalog& catalog) {
  if (manager_->models().empty()) return OkStatus();
  const std::string& names = names_;
  GW_RETURN_IF_ERROR(catalog.AddTool(
      {"generate", "Generate text with a local model",
       "Continues a prompt with a language model that runs on this device (no network). Local "
       "models: " +
           names +
           ". Tokens stream as progress notifications; cancelling the call stops generation.",
       kGenerateSchema, kGenerateOutputSchema, R"({"readOnlyHint":true,"openWorldHint":false})",
       [this](const catalog::CallPtr& call, const JsonValue& args) {
         StartGenerate(call, args, pipeline::Hop{});
       }}));
  for (const auto& [name, path] : manager_->models()) {
    GW_RETURN_IF_ERROR(catalog.AddResource(
        {"edgegw://models/" + name, name, "Local model " + name,
         "Shape, type and size of the local GGUF model '" + name + "' (JSON).", "application/json",
         [this, name = name](std::string_view uri) -> Result<std::string> {
           GW_ASSIGN_OR_RETURN(engine::ModelDescription d, manager_->Describe(name));
           std::vector<engine::ModelStatus> status = manager_->Status();
           auto mine = std::find_if(status.begin(), status.end(),
                                    [&](const auto& s) { return s.name == name; });
           const std::string info =
               ModelDescriptionJson(d, mine != status.end() ? &*mine : nullptr);
           JsonWriter w;
           w.StartArray()
               .StartObject()
               .Field("uri", uri)
               .Field("mimeType", "application/json")
               .Field("text", info)
               .EndObject()
               .EndArray();
           return w.str();
         }}));
  }
  GW_LOG_INFO("local models: %s", names.c_str());
  return OkStatus();
}

void LocalModels::StartGenerate(const catalog::CallPtr& call, const JsonValue& args,
                                pipeline::Hop hop) {
  engine::ModelRequest r;
  r.model = std::string(protocol::StringMember(args, "model").value_or(default_model_));
  r.prompt = std::string(protocol::StringMember(args, "prompt").value_or(""));
  r.options.max_tokens =
      static_cast<int32_t>(protocol::IntMember(args, "max_tokens").value_or(128));
  if (Status s = ReadSampling(args, &r.options, &r.deterministic); !s) {
    return call->Reply(catalog::ErrorToolResult(s.error().message()));
  }
  if (const JsonValue* stop = protocol::ArrayMember(args, "stop")) {
    for (const JsonValue& v : stop->GetArray()) {
      if (v.IsString()) r.options.stop.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  if (!manager_->Has(r.model)) {
    std::string why = "no local model named '" + r.model + "'";
    if (hop.pass && !hop.alone) {
      Record("passed", 0);
      return hop.pass("local: " + why);
    }
    return call->Reply(catalog::ErrorToolResult(why + " (have: " + names_ + ")"));
  }
  Job job;
  if (hop.pass && hop.has_next) {
    // Somewhere else can run it: do not wait long for a busy engine.
    job.deadline = Clock::now() + fallback_wait_;
    const auto waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(fallback_wait_);
    job.expire = [this, pass = hop.pass, waited_ms] {
      Record("passed", 0);
      pass("local: the engine was busy for " + std::to_string(waited_ms.count()) + " ms");
    };
  }
  job.run = [this, call, r = std::move(r), hop = std::move(hop)] { RunGenerate(call, r, hop); };
  Post(std::move(job));
}

void LocalModels::RunGenerate(const catalog::CallPtr& call, const engine::ModelRequest& request,
                              const pipeline::Hop& hop) {
  if (call->cancelled()) {
    Record("cancelled", 0);
    return;
  }
  const double total = request.options.max_tokens;
  int n = 0;
  auto sink = [&](int32_t, std::string_view piece) {
    call->Progress(++n, total, piece);
    ExpireOverdue();  // calls waiting behind this one may go elsewhere meanwhile
    return !call->cancelled();
  };
  Result<engine::ModelReply> reply = manager_->Generate(request, sink);
  if (call->cancelled()) {  // the client has moved on; the session answers the cancel
    Record("cancelled", n);
    return;
  }
  if (!reply) {
    // Before the first token, a model that is missing, over the budget or too short for the
    // prompt is one the next target may stand in for.
    const Code code = reply.error().code();
    if (n == 0 && hop.pass && !hop.alone &&
        (code == Code::kNotFound || code == Code::kResourceExhausted)) {
      Record("passed", 0);
      return hop.pass("local: " + reply.error().message());
    }
    Record("error", 0);
    return call->Reply(catalog::ErrorToolResult(reply.error().message()));
  }
  const engine::GenerateResult& g = reply->result;
  Record(reply->cached ? "cached" : "done", reply->cached ? 0 : g.tokens.size());
  JsonWriter w;
  w.StartObject().Field("model", request.model).Field("text", g.text);
  w.Field("stop_reason", engine::StopReasonName(g.stop_reason));
  w.Key("prompt_tokens").Uint(g.prompt_tokens).Key("completion_tokens").Uint(g.tokens.size());
  w.Field("cached", reply->cached);
  w.Key("timings").StartObject().Field("load_ms", reply->load_ms).Field("prefill_ms", g.prefill_ms);
  w.Field("decode_ms", g.decode_ms).EndObject().EndObject();
  call->Reply(catalog::StructuredToolResult(w.str()));
}

// The engine as a route target: the generate tool, through the catalog's checks.
class LocalModels::EngineTarget final : public pipeline::Target {
 public:
  EngineTarget(LocalModels& models, catalog::Catalog& catalog)
      : models_(models), catalog_(catalog) {}

  router::TargetState State(std::string_view tool) const override {
    router::TargetState s;
    s.name = std::string(router::kLocalTarget);
    s.kind = router::TargetKind::kEngine;
    s.has_tool = tool == "generate" && models_.model_count() > 0;
    return s;
  }

  void Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
           const router::Step& step, pipeline::Hop hop) override {
    (void)context;
    (void)step;
    catalog_.CallToolWith(
        call, [this, hop = std::move(hop)](const catalog::CallPtr& c, const JsonValue& args) {
          models_.StartGenerate(c, args, hop);
        });
  }

 private:
  LocalModels& models_;
  catalog::Catalog& catalog_;
};

std::unique_ptr<pipeline::Target> LocalModels::MakeTarget(catalog::Catalog& catalog) {
  return std::make_unique<EngineTarget>(*this, catalog);
}

std::function<void(std::string, std::function<void(Result<std::string>)>)>
LocalModels::SamplingHandler() {
  if (sampling_model_.empty()) return nullptr;
  return [this](std::string params, std::function<void(Result<std::string>)> done) {
    Job job;
    job.run = [this, params = std::move(params), done = std::move(done)] { done(Sample(params)); };
    Post(std::move(job));
  };
}

// sampling/createMessage: the conversation as plain "User:"/"Assistant:" turns after the
// system prompt, continued by the sampling model until "\nUser:" or maxTokens.
Result<std::string> LocalModels::Sample(const std::string& params_json) {
  protocol::JsonDocument doc;
  if (doc.Parse(params_json.c_str()).HasParseError() || !doc.IsObject()) {
    return InvalidArgument("sampling/createMessage: params must be an object");
  }
  const JsonValue* messages = protocol::ArrayMember(doc, "messages");
  std::optional<int64_t> max_tokens = protocol::IntMember(doc, "maxTokens");
  if (!messages || !max_tokens || *max_tokens < 1) {
    return InvalidArgument("sampling/createMessage needs messages and maxTokens >= 1");
  }
  std::string prompt(protocol::StringMember(doc, "systemPrompt").value_or(""));
  if (!prompt.empty()) prompt += "\n\n";
  for (const JsonValue& m : messages->GetArray()) {
    if (!m.IsObject()) continue;
    std::string_view role = protocol::StringMember(m, "role").value_or("user");
    std::string text;
    auto take = [&](const JsonValue& block) {
      if (block.IsObject() && protocol::StringMember(block, "type").value_or("") == "text") {
        text += protocol::StringMember(block, "text").value_or("");
      }
    };
    if (const JsonValue* c = protocol::Member(m, "content")) {
      if (c->IsArray()) {
        for (const JsonValue& b : c->GetArray()) take(b);
      } else {
        take(*c);
      }
    }
    prompt += (role == "assistant" ? "Assistant: " : "User: ") + text + "\n";
  }
  prompt += "Assistant:";
  engine::ModelRequest r;
  r.model = sampling_model_;
  r.prompt = prompt;
  r.options.max_tokens = static_cast<int32_t>(std::min<int64_t>(*max_tokens, 4096));
  r.options.sampling.temperature =
      static_cast<float>(protocol::NumberMember(doc, "temperature").value_or(0.7));
  r.options.sampling.seed = RealRandom().Next();
  r.options.stop = {"\nUser:"};
  if (const JsonValue* stops = protocol::ArrayMember(doc, "stopSequences")) {
    for (const JsonValue& v : stops->GetArray()) {
      if (v.IsString()) r.options.stop.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  GW_RETURN_IF_ERROR(r.options.sampling.Validate());
  Result<engine::ModelReply> sampled = manager_->Generate(r);
  if (!sampled) Record("error", 0);
  GW_ASSIGN_OR_RETURN(engine::ModelReply reply, std::move(sampled));
  const engine::GenerateResult& g = reply.result;
  Record(reply.cached ? "cached" : "done", reply.cached ? 0 : g.tokens.size());
  std::string_view text = g.text;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const char* reason = g.stop_reason == engine::StopReason::kLength       ? "maxTokens"
                       : g.stop_reason == engine::StopReason::kStopString ? "stopSequence"
                                                                          : "endTurn";
  JsonWriter w;
  w.StartObject().Field("role", "assistant").Key("content").StartObject().Field("type", "text");
  w.Field("text", text)
      .EndObject()
      .Field("model", sampling_model_)
      .Field("stopReason", reason)
      .EndObject();
  return w.str();
}

}  // namespace gw::server

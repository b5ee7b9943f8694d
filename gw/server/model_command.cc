#include "gw/server/model_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gw/base/random.h"
#include "gw/engine/generator.h"
#include "gw/engine/llama_model.h"
#include "gw/engine/model_manager.h"
#include "gw/engine/synth.h"
#include "gw/platform/mapped_file.h"
#include "gw/protocol/json.h"
#include "gw/server/local_models.h"

namespace gw::server {

using protocol::JsonWriter;

struct ModelCommands::Flags {
  CLI::App* model = nullptr;
  CLI::App* synth = nullptr;
  CLI::App* info = nullptr;
  CLI::App* tokenize = nullptr;
  CLI::App* generate = nullptr;
  CLI::App* eval = nullptr;
  // synth
  std::string out, type = "q8_0";
  engine::SynthOptions synth_options;
  // info, tokenize, generate
  std::string file, text;
  bool json = false, bos = false;
  // generate, eval
  std::string prompt, prompt_tokens, kernels;
  uint32_t from = 0;
  int32_t n = 128;
  int threads = 0;
  uint32_t ctx = 0;
  float temp = 0.8f;
  std::optional<uint64_t> seed;
  engine::GenerateOptions options;
};

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "edgegw: %s\n", message.c_str());
  return 1;
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::optional<engine::TensorType> ParseType(const std::string& s) {
  if (s == "f32" || s == "F32") return engine::TensorType::kF32;
  if (s == "f16" || s == "F16") return engine::TensorType::kF16;
  if (s == "q8_0" || s == "Q8_0") return engine::TensorType::kQ8_0;
  if (s == "q4_0" || s == "Q4_0") return engine::TensorType::kQ4_0;
  return std::nullopt;
}

Result<std::vector<int32_t>> ParseTokenList(const std::string& s) {
  std::vector<int32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = s.find_first_of(", ", i);
    if (end == std::string::npos) end = s.size();
    if (end > i) {
      std::string item = s.substr(i, end - i);
      char* rest = nullptr;
      long v = std::strtol(item.c_str(), &rest, 10);
      if (*rest != '\0' || v < 0 || v > INT32_MAX)
        return InvalidArgument("--prompt-tokens: '" + item + "' is not a token id");
      out.push_back(static_cast<int32_t>(v));
    }
    i = end + 1;
  }
  if (out.empty()) return InvalidArgument("--prompt-tokens: no token ids (expected e.g. 1,450,22)");
  return out;
}

struct LoadedModel {
  std::unique_ptr<platform::MappedFile> file;
  std::unique_ptr<engine::LlamaModel> model;
  double load_ms = 0;
};

Result<LoadedModel> Load(const std::string& path) {
  auto start = std::chrono::steady_clock::now();
  LoadedModel m;
  GW_ASSIGN_OR_RETURN(m.file, platform::MappedFile::Open(path));
  auto model = engine::LlamaModel::Load(m.file->bytes());
  if (!model) return MakeError(model.error().code(), path + ": " + model.error().message());
  m.model = std::move(*model);
  for (std::string_view range : m.model->unread_file_ranges()) m.file->DropPages(range);
  m.load_ms = MsSince(start);
  return m;
}

int RunSynth(ModelCommands::Flags& f) {
  std::optional<engine::TensorType> type = ParseType(f.type);
  if (!type) return Fail("--type: expected f32, f16, q8_0 or q4_0, not '" + f.type + "'");
  f.synth_options.type = *type;
  Result<std::string> bytes = engine::SynthesizeModel(f.synth_options);
  if (!bytes) return Fail(bytes.error().message());
  std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
  out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return Fail(f.out + ": cannot write the file");
  std::fprintf(stderr, "edgegw: wrote %s (%s, %.1fM parameters, %.1f MiB)\n", f.out.c_str(),
               f.type.c_str(), engine::SynthParameterCount(f.synth_options) / 1e6,
               bytes->size() / 1048576.0);
  return 0;
}

int RunInfo(ModelCommands::Flags& f) {
  Result<LoadedModel> m = Load(f.file);
  if (!m) return Fail(m.error().message());
  engine::ModelDescription d = engine::DescribeModel(*m->model);
  d.name = std::filesystem::path(f.file).stem().string();
  d.path = f.file;
  d.file_bytes = m->file->bytes().size();
  std::printf("%s\n", ModelDescriptionJson(d).c_str());
  return 0;
}

int RunTokenize(ModelCommands::Flags& f) {
  Result<LoadedModel> m = Load(f.file);
  if (!m) return Fail(m.error().message());
  std::vector<int32_t> ids = m->model->tokenizer().Encode(f.text, f.bos);
  JsonWriter w;
  w.StartObject().Key("tokens").StartArray();
  for (int32_t id : ids) w.Int(id);
  w.EndArray().EndObject();
  std::printf("%s\n", w.str().c_str());
  return 0;
}

Result<const engine::Kernels*> ChosenKernels(const std::string& name) {
  if (name.empty()) return &engine::BestKernels();
  const engine::Kernels* kernels = engine::KernelsNamed(name);
  if (kernels == nullptr)
    return InvalidArgument("--kernels: '" + name + "' is not available on this CPU or build");
  return kernels;
}

int ThreadCount(int flag) {
  return flag > 0 ? flag : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Teacher forcing: the model reads `tokens` and reports, for every position from `from` on,
// its log-probabilities of the next token given all the tokens before it. The first `from`
// tokens go in as one prompt (prefill), the rest one at a time, as generation feeds them.
int RunEval(ModelCommands::Flags& f) {
  Result<const engine::Kernels*> kernels = ChosenKernels(f.kernels);
  if (!kernels) return Fail(kernels.error().message());
  Result<std::vector<int32_t>> tokens = ParseTokenList(f.prompt_tokens);
  if (!tokens) return Fail(tokens.error().message());
  if (f.from < 1 || f.from > tokens->size()) {
    return Fail("--from: must be between 1 and the number of tokens (" +
                std::to_string(tokens->size()) + ")");
  }
  Result<LoadedModel> m = Load(f.file);
  if (!m) return Fail(m.error().message());
  const int threads = ThreadCount(f.threads);
  engine::ComputePool pool(threads);
  const uint32_t ctx = f.ctx ? f.ctx : static_cast<uint32_t>(tokens->size());
  auto session = engine::LlamaSession::Create(*m->model, pool, **kernels, ctx);
  if (!session) return Fail(session.error().message());
  JsonWriter w;
  w.StartObject()
      .Key("from")
      .Uint(f.from)
      .Field("kernels", (*kernels)->name)
      .Field("threads", threads);
  w.Key("steps").StartArray();
  std::span<const int32_t> all(*tokens);
  for (size_t at = f.from; at <= all.size(); ++at) {
    std::span<const int32_t> in = at == f.from ? all.first(at) : all.subspan(at - 1, 1);
    Result<std::span<const float>> logits = (*session)->Eval(in);
    if (!logits) return Fail(logits.error().message());
    // log-softmax in double: the logits' own rounding is what gets compared.
    double max = -INFINITY;
    for (float v : *logits) max = std::max(max, static_cast<double>(v));
    double sum = 0;
    for (float v : *logits) sum += std::exp(static_cast<double>(v) - max);
    const double log_z = max + std::log(sum);
    w.StartObject()
        .Key("top")
        .Uint(engine::Sampler::FirstOfTheLargest(*logits))
        .Key("logprobs")
        .StartArray();
    for (float v : *logits) w.Double(static_cast<double>(v) - log_z);
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  std::printf("%s\n", w.str().c_str());
  return 0;
}

int RunGenerate(ModelCommands::Flags& f) {
  if (f.prompt.empty() == f.prompt_tokens.empty())
    return Fail("give exactly one of --prompt and --prompt-tokens");
  Result<const engine::Kernels*> chosen = ChosenKernels(f.kernels);
  if (!chosen) return Fail(chosen.error().message());
  const engine::Kernels* kernels = *chosen;
  Result<LoadedModel> m = Load(f.file);
  if (!m) return Fail(m.error().message());
  std::vector<int32_t> prompt;
  if (!f.prompt_tokens.empty()) {
    Result<std::vector<int32_t>> ids = ParseTokenList(f.prompt_tokens);
    if (!ids) return Fail(ids.error().message());
    prompt = std::move(*ids);
  } else {
    prompt = m->model->tokenizer().Encode(f.prompt, /*add_bos=*/true);
  }
  const int threads = ThreadCount(f.threads);
  engine::ComputePool pool(threads);
  uint32_t ctx = f.ctx ? f.ctx : std::min<uint32_t>(m->model->params().n_ctx_train, 4096);
  auto session = engine::LlamaSession::Create(*m->model, pool, *kernels, ctx);
  if (!session) return Fail(session.error().message());
  f.options.max_tokens = f.n;
  f.options.sampling.temperature = f.temp;
  f.options.sampling.seed = f.seed ? *f.seed : RealRandom().Next();
  engine::TokenSink stream;
  if (!f.json) {
    stream = [](int32_t, std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  Result<engine::GenerateResult> r = engine::Generate(**session, prompt, f.options, stream);
  if (!r) return Fail(r.error().message());
  const double decode_tps =
      r->tokens.size() > 1 ? (r->tokens.size() - 1) * 1000.0 / r->decode_ms : 0;
  const double prefill_tps = r->prefill_ms > 0 ? r->prompt_tokens * 1000.0 / r->prefill_ms : 0;
  if (!f.json) {
    std::printf("\n");
    std::fprintf(stderr,
                 "edgegw: %zu tokens (%s); prompt %u tokens at %.1f tok/s, decode %.1f tok/s; %s, "
                 "%d threads\n",
                 r->tokens.size(), std::string(engine::StopReasonName(r->stop_reason)).c_str(),
                 r->prompt_tokens, prefill_tps, decode_tps, kernels->name, threads);
    return 0;
  }
  JsonWriter w;
  w.StartObject().Key("tokens").StartArray();
  for (int32_t id : r->tokens) w.Int(id);
  w.EndArray().Field("text", r->text).Field("stop_reason", engine::StopReasonName(r->stop_reason));
  w.Key("prompt_tokens").Uint(r->prompt_tokens).Key("seed").Uint(f.options.sampling.seed);
  w.Field("kernels", kernels->name).Field("threads", threads);
  w.Key("timings").StartObject().Field("load_ms", m->load_ms).Field("prefill_ms", r->prefill_ms);
  w.Field("decode_ms", r->decode_ms).Field("decode_eval_ms", r->decode_eval_ms);
  w.Field("prefill_tokens_per_s", prefill_tps);
  w.Field("decode_tokens_per_s", decode_tps).EndObject().EndObject();
  std::printf("%s\n", w.str().c_str());
  return 0;
}

}  // namespace

ModelCommands::ModelCommands(CLI::App& app) : flags_(std::make_unique<Flags>()) {
  Flags& f = *flags_;
  f.model = app.add_subcommand("model",
                               "Local models: synthesize a test model, inspect one, tokenize text, "
                               "evaluate token sequences");
  f.model->require_subcommand(1);
  f.synth = f.model->add_subcommand(
      "synth", "Write a llama GGUF file with random weights (for tests and benchmarks)");
  engine::SynthOptions& o = f.synth_options;
  f.synth->add_option("--out", f.out, "The GGUF file to write")->required();
  f.synth->add_option("--type", f.type, "Weight type: f32, f16, q8_0 or q4_0 (default q8_0)");
  f.synth->add_option("--layers", o.layers, "Transformer blocks (default 2)");
  f.synth->add_option("--dim", o.dim, "Embedding size (default 64)");
  f.synth->add_option("--heads", o.heads, "Attention heads (default 4)");
  f.synth->add_option("--kv-heads", o.kv_heads,
                      "Key/value heads; fewer than --heads is grouped-query attention (default 4)");
  f.synth->add_option("--ff", o.ff, "Feed-forward size (default 128)");
  f.synth->add_option("--vocab", o.vocab, "Vocabulary size, at least 260 (default 512)");
  f.synth->add_option("--ctx", o.ctx, "Training context length (default 256)");
  f.synth->add_option("--seed", o.seed, "Seed of the random weights (default 1)");
  f.synth->add_flag("--tied", o.tied_output, "No output matrix: reuse the embeddings");
  f.synth->footer(
      "Example: edgegw model synth --out var/models/tiny.gguf --type q4_0 --layers 4 --dim 256 "
      "--heads 8 --kv-heads 2 --ff 768 --vocab 4096 --ctx 512");
  f.info = f.model->add_subcommand("info", "Print a model's shape and size as JSON");
  f.info->add_option("file", f.file, "GGUF file")->required();
  f.tokenize = f.model->add_subcommand("tokenize", "Print the token ids of a text as JSON");
  f.tokenize->add_option("file", f.file, "GGUF file")->required();
  f.tokenize->add_option("text", f.text, "Text to tokenize")->required();
  f.tokenize->add_flag("--bos", f.bos,
                       "Prepend the beginning-of-sequence token (as a prompt gets)");
  f.eval = f.model->add_subcommand(
      "eval", "Teacher forcing: the next-token log-probabilities at each position, as JSON");
  f.eval->add_option("file", f.file, "GGUF file")->required();
  f.eval->add_option("--tokens", f.prompt_tokens, "The token ids to read, e.g. 1,450,22")
      ->required();
  f.eval
      ->add_option("--from", f.from,
                   "Tokens read as one prompt before the first reported step (at least 1)")
      ->required();
  f.eval->add_option("-t,--threads", f.threads, "Compute threads (default: one per core)");
  f.eval->add_option("--ctx", f.ctx, "Context size (default: the number of tokens)");
  f.eval->add_option(
      "--kernels", f.kernels,
      "Kernel set: generic, avx2, avx512vnni, neon or simd128 (default: the fastest here)");
  f.eval->footer(
      "Prints {\"steps\": [{\"top\": id, \"logprobs\": [...]}, ...]}: one step after the first "
      "--from tokens, then one after each further token.\n"
      "Example: edgegw model eval var/models/tiny.gguf --tokens 1,450,22,97 --from 2");

  f.generate =
      app.add_subcommand("generate", "Generate text with a local GGUF model (llama architecture)");
  f.generate->add_option("-m,--model", f.file, "GGUF file")->required();
  f.generate->add_option("-p,--prompt", f.prompt, "Prompt text (tokenized with a leading BOS)");
  f.generate->add_option("--prompt-tokens", f.prompt_tokens, "Prompt as token ids, e.g. 1,450,22");
  f.generate->add_option("-n,--max-tokens", f.n, "Tokens to generate at most (default 128)");
  f.generate->add_option("--temp", f.temp, "Temperature; 0 is greedy (default 0.8)");
  f.generate->add_option("--top-k", f.options.sampling.top_k,
                         "Keep the k likeliest tokens; 0 is off (default 40)");
  f.generate->add_option("--top-p", f.options.sampling.top_p,
                         "Nucleus sampling; 1 is off (default 0.95)");
  f.generate->add_option("--min-p", f.options.sampling.min_p,
                         "Drop tokens below this share of the likeliest; 0 is off (default 0.05)");
  f.generate->add_option("--repeat-penalty", f.options.sampling.repeat_penalty,
                         "Penalty for repeated tokens; 1 is off (default 1)");
  f.generate->add_option("--repeat-last-n", f.options.sampling.repeat_last_n,
                         "Tokens the penalty looks back on (default 64)");
  f.generate->add_option("--seed", f.seed, "Sampling seed (default: random, reported with --json)");
  f.generate->add_option("--stop", f.options.stop, "Stop before this text (repeatable)");
  f.generate->add_flag("--ignore-eos", f.options.ignore_eos, "Go on past end-of-generation tokens");
  f.generate->add_option("-t,--threads", f.threads, "Compute threads (default: one per core)");
  f.generate->add_option("--ctx", f.ctx, "Context size (default: the model's, at most 4096)");
  f.generate->add_option(
      "--kernels", f.kernels,
      "Kernel set: generic, avx2, avx512vnni, neon or simd128 (default: the fastest here)");
  f.generate->add_flag("--json", f.json,
                       "Print one JSON object: tokens, text, stop_reason, timings");
  f.generate->footer(
      "Example: edgegw generate --model var/models/tiny.gguf --prompt 'Hello' -n 32 --temp 0 "
      "--json");
}

ModelCommands::~ModelCommands() = default;

bool ModelCommands::parsed() const { return flags_->model->parsed() || flags_->generate->parsed(); }

int ModelCommands::Run() {
  Flags& f = *flags_;
  if (f.generate->parsed()) return RunGenerate(f);
  if (f.synth->parsed()) return RunSynth(f);
  if (f.info->parsed()) return RunInfo(f);
  if (f.tokenize->parsed()) return RunTokenize(f);
  if (f.eval->parsed()) return RunEval(f);
  return 2;
}

}  // namespace gw::server

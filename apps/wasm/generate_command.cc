// `edgegw.wasm generate`: the local engine under any WASI host, for devices and browsers where
// only wasm runs. The flags and the --json output are those of the native `edgegw generate`
// (a subset: no CLI11 here, which needs exceptions). The model file is read whole into memory
// (WASI has no mmap); the host must make its directory visible (tools/wasi/run-wasi.mjs
// preopens the working directory).
#include "apps/wasm/generate_command.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gw/engine/generator.h"
#include "gw/engine/llama_model.h"
#include "gw/protocol/json.h"

namespace {

int Fail(const std::string& m) {
  std::fprintf(stderr, "edgegw-wasm generate: %s\n", m.c_str());
  return 1;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

}  // namespace

int RunWasmGenerate(int argc, char** argv) {
  std::string model_path, prompt, prompt_tokens;
  int32_t n = 128;
  bool json = false;
  gw::engine::GenerateOptions options;
  options.sampling.seed = 0;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        Fail(std::string(flag) + " needs a value");
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--model" || a == "-m")
      model_path = value("--model");
    else if (a == "--prompt" || a == "-p")
      prompt = value("--prompt");
    else if (a == "--prompt-tokens")
      prompt_tokens = value("--prompt-tokens");
    else if (a == "-n" || a == "--max-tokens")
      n = std::atoi(value("-n"));
    else if (a == "--temp")
      options.sampling.temperature = static_cast<float>(std::atof(value("--temp")));
    else if (a == "--seed")
      options.sampling.seed = std::strtoull(value("--seed"), nullptr, 10);
    else if (a == "--ignore-eos")
      options.ignore_eos = true;
    else if (a == "--json")
      json = true;
    else if (a == "--threads" || a == "-t")
      value("--threads");  // one thread on wasm32
    else
      return Fail("unknown flag '" + a +
                  "' (flags: --model --prompt --prompt-tokens -n --temp --seed --ignore-eos "
                  "--json)"),
             2;
  }
  if (model_path.empty() || prompt.empty() == prompt_tokens.empty()) {
    return Fail("give --model and exactly one of --prompt and --prompt-tokens"), 2;
  }
  std::string bytes;
  if (!ReadFile(model_path, &bytes)) return Fail(model_path + ": cannot read the file");
  auto model = gw::engine::LlamaModel::Load(bytes);
  if (!model) return Fail(model_path + ": " + model.error().message());
  std::vector<int32_t> ids;
  if (!prompt_tokens.empty()) {
    for (const char* p = prompt_tokens.c_str(); *p;) {
      char* end = nullptr;
      long v = std::strtol(p, &end, 10);
      if (end == p || v < 0) return Fail("--prompt-tokens: expected ids like 1,450,22"), 2;
      ids.push_back(static_cast<int32_t>(v));
      p = *end == ',' ? end + 1 : end;
    }
  } else {
    ids = (*model)->tokenizer().Encode(prompt, true);
  }
  gw::engine::ComputePool pool(1);
  auto session =
      gw::engine::LlamaSession::Create(**model, pool, gw::engine::BestKernels(),
                                       std::min<uint32_t>((*model)->params().n_ctx_train, 4096));
  if (!session) return Fail(session.error().message());
  options.max_tokens = n;
  gw::engine::TokenSink stream;
  if (!json) {
    stream = [](int32_t, std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  auto r = gw::engine::Generate(**session, ids, options, stream);
  if (!r) return Fail(r.error().message());
  const double decode_tps =
      r->tokens.size() > 1 ? (r->tokens.size() - 1) * 1000.0 / r->decode_ms : 0;
  if (!json) {
    std::printf("\n");
    return 0;
  }
  gw::protocol::JsonWriter w;
  w.StartObject().Key("tokens").StartArray();
  for (int32_t id : r->tokens) w.Int(id);
  w.EndArray()
      .Field("text", r->text)
      .Field("stop_reason", gw::engine::StopReasonName(r->stop_reason));
  w.Key("prompt_tokens")
      .Uint(r->prompt_tokens)
      .Field("kernels", gw::engine::BestKernels().name)
      .Field("threads", 1);
  w.Key("timings")
      .StartObject()
      .Field("prefill_ms", r->prefill_ms)
      .Field("decode_ms", r->decode_ms)
      .Field("decode_eval_ms", r->decode_eval_ms);
  w.Field("prefill_tokens_per_s",
          r->prefill_ms > 0 ? r->prompt_tokens * 1000.0 / r->prefill_ms : 0.0);
  w.Field("decode_tokens_per_s", decode_tps).EndObject().EndObject();
  std::printf("%s\n", w.str().c_str());
  return 0;
}

// The local model commands:
//   edgegw model synth --out FILE --type f32|f16|q8_0|q4_0 --layers N --dim D --heads H
//                      --kv-heads K --ff F --vocab V --ctx C --seed S [--tied]
//   edgegw model info FILE [--json]
//   edgegw model tokenize FILE TEXT [--bos]          token ids as JSON
//   edgegw model eval FILE --tokens IDS --from N      next-token log-probabilities per position
//   edgegw generate --model FILE (--prompt TEXT | --prompt-tokens IDS) [-n N] [--temp T]
//                   [--seed S] [--threads K] [--json] ...
// Generation runs on a compute pool of --threads threads; with --json one object holds the
// generated token ids, the text, the stop reason and the timings.
// Thread-safety: runs on the calling thread.
#pragma once

#include <memory>

namespace CLI {
class App;
}

namespace gw::server {

class ModelCommands {
 public:
  // Registers `model` and `generate` on `app`.
  explicit ModelCommands(CLI::App& app);
  ~ModelCommands();
  // True when one of them was given on the command line.
  bool parsed() const;
  // Exit code: 0 done, 1 failure (printed on stderr), 2 bad flags.
  int Run();

  struct Flags;  // defined in the .cc

 private:
  std::unique_ptr<Flags> flags_;
};

}  // namespace gw::server

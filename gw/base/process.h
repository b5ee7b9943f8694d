// ProcessSpawner: the seam through which code above the platform layer starts and stops
// child processes (stdio upstream servers) without calling the OS itself. gw/platform
// implements it (posix/process_posix.cc); gw/server injects it.
//
// Thread-safety: implementations must allow concurrent calls.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gw/base/result.h"

namespace gw {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  std::string cwd;                                       // empty: ours
};

// A started child. The caller owns both descriptors (non-blocking, close-on-exec) and must
// eventually reap the child with TryReap or Kill.
struct ChildProcess {
  int pid = -1;
  int stdin_fd = -1;   // write end of the child's stdin
  int stdout_fd = -1;  // read end of the child's stdout; its stderr is ours
};

class ProcessSpawner {
 public:
  virtual ~ProcessSpawner() = default;
  // kNotFound when the program cannot be found or run; kUnavailable for other failures.
  virtual Result<ChildProcess> Spawn(const ProcessSpec& spec) = 0;
  // Sends SIGTERM (or SIGKILL when `force`). Harmless if the child already exited.
  virtual void Signal(int pid, bool force) = 0;
  // The child's exit status if it has ended (and reaps it), nullopt while it runs.
  // Exit code, or 128 + signal number when a signal ended it.
  virtual std::optional<int> TryReap(int pid) = 0;
};

}  // namespace gw

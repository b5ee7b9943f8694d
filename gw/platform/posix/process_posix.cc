// fork/exec for stdio upstreams. The child side only calls async-signal-safe functions:
// everything it needs (path, argv, envp) is prepared before fork.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>

#include "gw/platform/process.h"

extern char** environ;

namespace gw::platform {
namespace {

// Finds `program` in PATH like execvp, but in the parent (execvp may allocate).
std::optional<std::string> ResolveProgram(const std::string& program) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? std::optional(program) : std::nullopt;
  }
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

class PosixSpawner final : public ProcessSpawner {
 public:
  Result<ChildProcess> Spawn(const ProcessSpec& spec) override {
    if (spec.argv.empty()) return InvalidArgument("no command to run");
    auto program = ResolveProgram(spec.argv[0]);
    if (!program)
      return NotFound("cannot find program '" + spec.argv[0] + "' (PATH or not executable)");
    std::vector<char*> argv;
    for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::map<std::string, std::string> merged;
    for (char** e = environ; e && *e; ++e) {
      std::string_view kv(*e);
      size_t eq = kv.find('=');
      if (eq != std::string_view::npos)
        merged[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    for (const auto& [k, v] : spec.env) merged[k] = v;
    std::vector<std::string> env_strings;
    env_strings.reserve(merged.size());
    for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    envp.reserve(env_strings.size());
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return Unavailable(std::string("pipe: ") + strerror(errno));
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]);
      close(in[1]);
      return Unavailable(std::string("pipe: ") + strerror(errno));
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      int err = errno;
      for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
      return Unavailable(std::string("fork: ") + strerror(err));
    }
    if (pid == 0) {
      // Child: async-signal-safe calls only.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
      dup2(in[0], 0);
      dup2(out[1], 1);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);  // the gateway blocks SIGINT/SIGTERM
      signal(SIGPIPE, SIG_DFL);                  // and ignores SIGPIPE
      if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) _exit(126);
      execve(program->c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
    fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
    return ChildProcess{pid, in[1], out[0]};
  }

  void Signal(int pid, bool force) override {
    if (pid > 0) kill(pid, force ? SIGKILL : SIGTERM);
  }

  std::optional<int> TryReap(int pid) override {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == 0) return std::nullopt;
    if (r < 0) return -1;  // not our child (already reaped)
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
  }
};

}  // namespace

ProcessSpawner& SystemProcessSpawner() {
  static PosixSpawner* spawner = new PosixSpawner();
  return *spawner;
}

}  // namespace gw::platform

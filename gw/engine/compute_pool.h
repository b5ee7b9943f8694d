// ComputePool: the threads that run the engine's matrix work, apart from any I/O thread.
// ParallelFor splits a job into tasks that the pool's workers and the calling thread take
// from a shared counter; it returns when every task has run.
//
// Workers spin briefly between jobs (a decoded token runs dozens of short jobs back to back),
// then sleep on a condition variable, so an idle pool costs no CPU. A worker joins a job only
// while it is open; the caller waits for the workers inside it, never for one that was late
// (on a loaded machine a descheduled worker would otherwise stall every job). The serial build
// (wasm32, or threads = 1) runs every task on the caller.
//
// Ownership: the pool owns its worker threads and joins them on destruction.
// Thread-safety: one ParallelFor at a time per pool (a model session runs on one thread);
// the function passed in is called concurrently from several threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gw/base/mutex.h"  // Mutex, CondVar, GW_HAS_THREADS
#if GW_HAS_THREADS
#include <thread>
#endif

namespace gw::engine {

class ComputePool {
 public:
  // `threads` counts the caller too: 1 means no extra threads. Values < 1 mean 1.
  explicit ComputePool(int threads);
  ~ComputePool();
  ComputePool(const ComputePool&) = delete;
  ComputePool& operator=(const ComputePool&) = delete;

  int threads() const { return threads_; }

  // Calls fn(task, thread) for every task in [0, tasks), spread over the threads; `thread`
  // is the running thread's index in [0, threads()) (0 is the caller), for per-thread scratch.
  template <class F>
  void ParallelFor(int tasks, F&& fn) {
    Run(
        tasks, [](void* ctx, int task, int thread) { (*static_cast<F*>(ctx))(task, thread); }, &fn);
  }

 private:
  using TaskFn = void (*)(void* ctx, int task, int thread);
  void Run(int tasks, TaskFn fn, void* ctx);
  void WorkerLoop(int thread);
  void Drain(int thread);
  void Publish(uint32_t generation);  // opens a job and wakes sleepers

  const int threads_;
#if GW_HAS_THREADS
  std::vector<std::thread> workers_;
#endif
  // The current job, published by bumping generation_.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_task_{0};
  // Job state: generation << 32 | closed flag (bit 31) | workers inside the job.
  std::atomic<uint64_t> state_{0};
  uint32_t generation_ = 0;  // the caller's count of jobs
  std::atomic<bool> stop_{false};
  // Sleeping workers (after their spin) wait here. libstdc++ 12's atomic wait can lose a
  // wake-up, so this is a plain condition variable with a count of sleepers.
  Mutex sleep_mu_;  // guards no field: held around sleep_cv_ so that a wake-up is not lost
  CondVar sleep_cv_;
  std::atomic<int> sleepers_{0};
};

}  // namespace gw::engine

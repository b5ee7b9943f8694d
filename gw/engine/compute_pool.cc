#include "gw/engine/compute_pool.h"

namespace gw::engine {

#if !GW_HAS_THREADS

// The serial build: every task runs on the caller.
ComputePool::ComputePool(int) : threads_(1) {}
ComputePool::~ComputePool() = default;
void ComputePool::Run(int tasks, TaskFn fn, void* ctx) {
  for (int i = 0; i < tasks; ++i) fn(ctx, i, 0);
}

#else

namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins this many rounds before a worker sleeps: about 50-100 us, longer than the gap
// between two jobs of one token and far shorter than the gap between requests.
constexpr int kSpinRounds = 20000;
// A caller waiting for a worker still inside a task yields its core after this many rounds:
// on a busy machine that worker may need this very core to finish.
constexpr int kYieldAfter = 256;

constexpr uint64_t kClosed = 1u << 31;
inline uint32_t GenerationOf(uint64_t state) { return static_cast<uint32_t>(state >> 32); }
inline uint32_t InsideOf(uint64_t state) { return static_cast<uint32_t>(state & (kClosed - 1)); }

}  // namespace

ComputePool::ComputePool(int threads) : threads_(threads < 1 ? 1 : threads) {
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ComputePool::~ComputePool() {
  stop_.store(true);
  Publish(++generation_);  // a new generation wakes every worker, also one that never ran a job
  for (std::thread& t : workers_) t.join();
}

void ComputePool::Publish(uint32_t generation) {
  state_.store(static_cast<uint64_t>(generation) << 32);  // open, nobody inside yet
  if (sleepers_.load() > 0) {  // seq_cst: a worker that counted itself after this sees the job
    MutexLock lock(sleep_mu_);
  }
  sleep_cv_.SignalAll();
}

void ComputePool::Drain(int thread) {
  for (;;) {
    int task = next_task_.fetch_add(1, std::memory_order_acq_rel);
    if (task >= tasks_) return;
    fn_(ctx_, task, thread);
  }
}

void ComputePool::Run(int tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1) {
    for (int i = 0; i < tasks; ++i) fn(ctx, i, 0);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  tasks_ = tasks;
  next_task_.store(0, std::memory_order_relaxed);
  Publish(++generation_);
  Drain(0);
  // Every task is taken. Close the job once no worker is inside it; a worker that had not
  // joined yet finds it closed and never reads this job's fields, which the next job rewrites.
  for (int spin = 0;; ++spin) {
    uint64_t state = state_.load();
    if (InsideOf(state) == 0 && state_.compare_exchange_weak(state, state | kClosed)) return;
    if (spin < kYieldAfter) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

void ComputePool::WorkerLoop(int thread) {
  uint32_t seen = 0;  // the generation at construction: a late-starting thread still sees job 1
  for (;;) {
    uint64_t state = state_.load();
    for (int spin = 0; GenerationOf(state) == seen && spin < kSpinRounds; ++spin) {
      CpuRelax();
      state = state_.load();
    }
    if (GenerationOf(state) == seen) {
      MutexLock lock(sleep_mu_);
      sleepers_.fetch_add(1);
      while (GenerationOf(state_.load()) == seen) sleep_cv_.Wait(sleep_mu_);
      sleepers_.fetch_sub(1);
      continue;
    }
    seen = GenerationOf(state);
    if (stop_.load()) return;
    // Join the job unless the caller has already closed it.
    bool joined = false;
    while (!(state & kClosed) && GenerationOf(state) == seen) {
      if (state_.compare_exchange_weak(state, state + 1)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    Drain(thread);
    state_.fetch_sub(1);
  }
}

#endif  // GW_HAS_THREADS

}  // namespace gw::engine

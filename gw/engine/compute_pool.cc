#include "gw/engine/compute_pool.h"

namespace gw::engine {
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

}  // namespace

ComputePool::ComputePool(int threads) : threads_(threads < 1 ? 1 : threads) {
#if !defined(GW_ENGINE_SERIAL)
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
#endif
}

ComputePool::~ComputePool() {
  stop_.store(true, std::memory_order_release);
  Publish();
  for (std::thread& t : workers_) t.join();
}

void ComputePool::Publish() {
  generation_.fetch_add(1);  // seq_cst, then the sleeper count: a worker that counted itself
  if (sleepers_.load() > 0) {  // after this check sees the new generation and does not sleep
    std::lock_guard lock(sleep_mu_);
  }
  sleep_cv_.notify_all();
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
  finished_workers_.store(0, std::memory_order_relaxed);
  next_task_.store(0, std::memory_order_relaxed);
  Publish();
  Drain(0);
  // Every worker takes part in every job and reports back, so none is still reading this
  // job's fields when the next one is written.
  const int workers = static_cast<int>(workers_.size());
  while (finished_workers_.load(std::memory_order_acquire) < workers) CpuRelax();
}

void ComputePool::WorkerLoop(int thread) {
  uint32_t seen = 0;  // the generation at construction: a late-starting thread still runs job 1
  for (;;) {
    uint32_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpinRounds; ++spin) {
      CpuRelax();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      std::unique_lock lock(sleep_mu_);
      sleepers_.fetch_add(1);  // seq_cst: ordered against Publish's bump and check
      sleep_cv_.wait(lock, [&] { return generation_.load() != seen; });
      sleepers_.fetch_sub(1);
      continue;
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    Drain(thread);
    finished_workers_.fetch_add(1, std::memory_order_acq_rel);
  }
}

}  // namespace gw::engine

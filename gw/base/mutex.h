// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable where the target has
// threads, no-ops where it has none (wasm32-wasi: Debian's libc++ for wasm32 is built without
// threads). Every module locks through these, so that the same code serves a multi-threaded
// gateway and a single-threaded wasm host, and so that clang's -Wthread-safety checks every
// lock: a field a mutex guards is declared GW_GUARDED_BY(mu_), a function that expects the
// lock held GW_REQUIRES(mu_) (the vocabulary of LevelDB's port/thread_annotations.h and
// Abseil's Mutex). scripts/test builds with clang and -Werror=thread-safety.
#pragma once

#include <chrono>
#include <version>

#if defined(_LIBCPP_HAS_NO_THREADS)
#define GW_HAS_THREADS 0
#else
#define GW_HAS_THREADS 1
#include <condition_variable>
#include <mutex>
#endif

#if defined(__clang__)
#define GW_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define GW_THREAD_ANNOTATION(x)
#endif
#define GW_CAPABILITY(x) GW_THREAD_ANNOTATION(capability(x))
#define GW_SCOPED_CAPABILITY GW_THREAD_ANNOTATION(scoped_lockable)
#define GW_GUARDED_BY(x) GW_THREAD_ANNOTATION(guarded_by(x))
#define GW_PT_GUARDED_BY(x) GW_THREAD_ANNOTATION(pt_guarded_by(x))
#define GW_REQUIRES(...) GW_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define GW_EXCLUDES(...) GW_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define GW_ACQUIRE(...) GW_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define GW_RELEASE(...) GW_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define GW_ASSERT_CAPABILITY(x) GW_THREAD_ANNOTATION(assert_capability(x))
#define GW_RETURN_CAPABILITY(x) GW_THREAD_ANNOTATION(lock_returned(x))
// For the rare function the analysis cannot follow; say why beside it.
#define GW_NO_THREAD_SAFETY_ANALYSIS GW_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace gw {

class CondVar;

class GW_CAPABILITY("mutex") Mutex {
 public:
  void lock() GW_ACQUIRE() {
#if GW_HAS_THREADS
    mu_.lock();
#endif
  }
  void unlock() GW_RELEASE() {
#if GW_HAS_THREADS
    mu_.unlock();
#endif
  }
  // Tells the analysis that the caller holds this mutex (where it cannot see the lock, such as
  // a mutex reached through another object). Checks nothing at run time.
  void AssertHeld() const GW_ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
#if GW_HAS_THREADS
  std::mutex mu_;
#endif
};

// Holds `mu` for its scope; Unlock() releases early (once).
class GW_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) GW_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() GW_RELEASE() {
    if (held_) mu_.unlock();
  }
  void Unlock() GW_RELEASE() {
    if (held_) mu_.unlock();
    held_ = false;
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
  bool held_ = true;
};

// A condition variable over a gw::Mutex. Wait releases `mu` while it sleeps and holds it again
// when it returns; wake-ups may be spurious, so callers loop on their condition:
//   MutexLock lock(mu_);
//   while (!ready_) cv_.Wait(mu_);
// (A loop rather than a predicate lambda: the analysis checks the loop's reads of guarded
// fields, and cannot check a lambda's.) On wasm32 there is no other thread to wait for: Wait
// returns at once.
class CondVar {
 public:
  void Wait(Mutex& mu) GW_REQUIRES(mu) {
#if GW_HAS_THREADS
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
#else
    (void)mu;
#endif
  }
  // Returns false when `deadline` passed first.
  template <class Clock, class Duration>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      GW_REQUIRES(mu) {
#if GW_HAS_THREADS
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
#else
    (void)mu;
    (void)deadline;
    return false;
#endif
  }
  void Signal() {
#if GW_HAS_THREADS
    cv_.notify_one();
#endif
  }
  void SignalAll() {
#if GW_HAS_THREADS
    cv_.notify_all();
#endif
  }

 private:
#if GW_HAS_THREADS
  std::condition_variable cv_;
#endif
};

}  // namespace gw

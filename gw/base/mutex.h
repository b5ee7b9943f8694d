// Mutex and MutexLock: std::mutex where the target has threads, a no-op where it has none
// (wasm32-wasi: Debian's libc++ for wasm32 is built without threads). Core modules lock
// through these so the same code serves a multi-threaded gateway and a single-threaded
// wasm host. Annotations follow Clang's -Wthread-safety vocabulary (STYLE.md §5).
#pragma once

#include <version>

#if defined(_LIBCPP_HAS_NO_THREADS)
#define GW_HAS_THREADS 0
#else
#define GW_HAS_THREADS 1
#include <mutex>
#endif

#if defined(__clang__)
#define GW_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define GW_THREAD_ANNOTATION(x)
#endif
#define GW_CAPABILITY(x) GW_THREAD_ANNOTATION(capability(x))
#define GW_GUARDED_BY(x) GW_THREAD_ANNOTATION(guarded_by(x))
#define GW_ACQUIRE(...) GW_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define GW_RELEASE(...) GW_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define GW_SCOPED_CAPABILITY GW_THREAD_ANNOTATION(scoped_lockable)

namespace gw {

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

 private:
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

}  // namespace gw

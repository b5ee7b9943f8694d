// Benchmark helper (issue 5): sustained memory READ bandwidth, the ceiling the engine
// benchmark (bench/engine_generate.mjs) divides by the bytes of weights a decoded token reads.
//
// A buffer much larger than the caches is filled once (each thread touches its own slice, so
// its pages sit where that thread runs), then summed again and again: each thread reads its
// slice with many independent accumulators (plain C++ that the compiler vectorizes at -O3).
// A pass starts with all threads released together and ends when the last one finishes; the
// best pass counts. Prints one JSON object:
//   {"threads":N,"gib_per_s":G,"bytes":B,"passes":P,"checksum":C}
//   memory_bandwidth [--threads N] [--mib M] [--passes P]     (defaults 1, 1024, 8)
#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 1;
  size_t mib = 1024;
  int passes = 8;
};

// Independent accumulators per thread: enough 64-bit lanes to fill several vector registers,
// so the loop waits on memory and never on one add's latency.
constexpr size_t kLanes = 16;

uint64_t SumSlice(const uint64_t* p, size_t n) {
  uint64_t acc[kLanes] = {};
  for (size_t i = 0; i + kLanes <= n; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) acc[j] += p[i + j];
  }
  uint64_t total = 0;
  for (uint64_t a : acc) total += a;
  return total;
}

bool ParseSize(const char* text, long min, long max, long* out) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const char* flag = argv[i];
    if (i + 1 >= argc) return false;
    long v = 0;
    if (std::strcmp(flag, "--threads") == 0 && ParseSize(argv[++i], 1, 256, &v)) {
      o->threads = static_cast<int>(v);
    } else if (std::strcmp(flag, "--mib") == 0 && ParseSize(argv[++i], 1, 1 << 20, &v)) {
      o->mib = static_cast<size_t>(v);
    } else if (std::strcmp(flag, "--passes") == 0 && ParseSize(argv[++i], 1, 1000, &v)) {
      o->passes = static_cast<int>(v);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    std::fprintf(stderr, "usage: memory_bandwidth [--threads N] [--mib M] [--passes P]\n");
    return 2;
  }
  // Whole blocks of kLanes words per thread, so every thread reads the same amount.
  const size_t words = o.mib * (size_t{1} << 20) / sizeof(uint64_t);
  const size_t per_thread = words / o.threads / kLanes * kLanes;
  if (per_thread == 0) {
    std::fprintf(stderr, "memory_bandwidth: buffer too small for %d threads\n", o.threads);
    return 2;
  }
  const size_t bytes = per_thread * o.threads * sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> buffer(new uint64_t[per_thread * o.threads]);  // not zeroed

  std::vector<uint64_t> sums(o.threads);
  std::vector<Clock::duration> pass_times;
  Clock::time_point start;
  // Phase 0 fills; each later phase is one timed pass. The completion step runs on one thread
  // when all have arrived: it closes the pass that just ended and starts the clock for the next.
  int phase = 0;
  auto on_phase_end = [&]() noexcept {
    Clock::time_point now = Clock::now();
    if (phase > 0) pass_times.push_back(now - start);
    ++phase;
    start = Clock::now();
  };
  std::barrier sync(o.threads, on_phase_end);

  auto work = [&](int t) {
    uint64_t* slice = buffer.get() + per_thread * t;
    for (size_t i = 0; i < per_thread; ++i) slice[i] = i * 0x9E3779B97F4A7C15ull + t;
    sync.arrive_and_wait();
    for (int pass = 0; pass < o.passes; ++pass) {
      sums[t] += SumSlice(slice, per_thread);
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < o.threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (std::thread& w : workers) w.join();

  Clock::duration best = *std::min_element(pass_times.begin(), pass_times.end());
  double seconds = std::chrono::duration<double>(best).count();
  double gib_per_s = static_cast<double>(bytes) / seconds / double(1 << 30);
  uint64_t checksum = 0;
  for (uint64_t s : sums) checksum ^= s;  // printed so the sums cannot be optimized away
  std::printf("{\"threads\":%d,\"gib_per_s\":%.3f,\"bytes\":%zu,\"passes\":%d,\"checksum\":%llu}\n",
              o.threads, gib_per_s, bytes, o.passes, static_cast<unsigned long long>(checksum));
  return 0;
}

// Random: the one way core code draws random numbers, so that tests inject a FakeRandom
// (gw/testing/fake_random.h) and jittered behaviour is reproducible.
// Thread-safety: implementations must allow concurrent calls.
#pragma once

#include <cstdint>

namespace gw {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed 64-bit value.
  virtual uint64_t Next() = 0;
  // Uniform in [0, bound); 0 when bound is 0.
  uint64_t Uniform(uint64_t bound) { return bound == 0 ? 0 : Next() % bound; }
};

// A process-wide PRNG seeded from the OS (not for secrets). Never null, lives forever.
Random& RealRandom();

}  // namespace gw

#include "gw/base/random.h"

#include <random>

#include "gw/base/mutex.h"

namespace gw {
namespace {

class SeededRandom final : public Random {
 public:
  SeededRandom() : engine_(std::random_device{}()) {}
  uint64_t Next() override {
    MutexLock lock(mu_);
    return engine_();
  }

 private:
  Mutex mu_;
  std::mt19937_64 engine_ GW_GUARDED_BY(mu_);
};

}  // namespace

Random& RealRandom() {
  static SeededRandom random;
  return random;
}

}  // namespace gw

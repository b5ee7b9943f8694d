// FakeRandom: returns the values a test queues (then repeats the last), so jitter is exact.
// Thread-safety: not thread-safe; tests use it from one thread.
#pragma once

#include <deque>

#include "gw/base/random.h"

namespace gw::testing {

class FakeRandom final : public Random {
 public:
  void Queue(uint64_t value) { values_.push_back(value); }
  uint64_t Next() override {
    if (values_.empty()) return last_;
    last_ = values_.front();
    values_.pop_front();
    return last_;
  }

 private:
  std::deque<uint64_t> values_;
  uint64_t last_ = 0;
};

}  // namespace gw::testing

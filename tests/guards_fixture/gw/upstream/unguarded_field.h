// Fixture for tools/check_guards' own test: `count_` sits in mu_'s block without an annotation.
#pragma once

#include "gw/base/mutex.h"

namespace gw::upstream {

class Fixture {
 private:
  Mutex mu_;
  int total_ GW_GUARDED_BY(mu_) = 0;
  int count_ = 0;
};

}  // namespace gw::upstream

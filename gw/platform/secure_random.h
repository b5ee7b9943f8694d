// SecureRandom: the OS's cryptographically secure generator (getrandom(2) on Linux) behind
// gw::Random, for values that must not be guessed: task ids, trace and span ids, tokens.
// gw::RealRandom() is for jitter and is not this.
//
// Thread-safety: thread-safe. Lives forever.
#pragma once

#include <string>

#include "gw/base/random.h"

namespace gw::platform {

Random& SecureRandom();

}  // namespace gw::platform

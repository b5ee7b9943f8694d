#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

#include "gw/base/log.h"
#include "gw/platform/secure_random.h"

namespace gw::platform {
namespace {

class OsRandom final : public Random {
 public:
  uint64_t Next() override {
    uint64_t v = 0;
    auto* out = reinterpret_cast<unsigned char*>(&v);
    size_t have = 0;
    while (have < sizeof v) {
      ssize_t n = getrandom(out + have, sizeof v - have, 0);
      if (n > 0) {
        have += static_cast<size_t>(n);
      } else if (errno != EINTR) {
        // No secure randomness means no unguessable ids: stopping beats handing out weak ones.
        GW_LOG_ERROR("getrandom failed (errno %d); cannot make unguessable ids", errno);
        std::abort();
      }
    }
    return v;
  }
};

}  // namespace

Random& SecureRandom() {
  static OsRandom random;
  return random;
}

}  // namespace gw::platform

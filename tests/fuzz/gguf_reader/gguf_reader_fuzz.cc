// Fuzz target: engine::ParseGguf takes any bytes: a parsed file's tensors lie inside the
// input and do not overlap, and everything else is a clear error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gw/base/check.h"
#include "gw/engine/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto f = gw::engine::ParseGguf(bytes);
  if (!f) return 0;
  for (const auto& t : f->tensors) {
    GW_CHECK(t.data.data() >= bytes.data());
    GW_CHECK(t.data.data() + t.data.size() <= bytes.data() + bytes.size());
    GW_CHECK(t.offset % f->alignment == 0);
  }
  return 0;
}

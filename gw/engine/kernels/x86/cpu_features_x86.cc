// Run-time CPU feature check for the AVX2 table, compiled without -mavx2 so that it runs on
// any x86-64 CPU.
#include "gw/engine/kernels/kernels.h"

namespace gw::engine::internal {

bool X86CpuRunsAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

bool X86CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

bool X86CpuRunsVnni() {
  __builtin_cpu_init();
  return X86CpuRunsAvx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni");
}

}  // namespace gw::engine::internal

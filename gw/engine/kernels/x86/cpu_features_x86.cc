// Run-time CPU feature check for the AVX2 table, compiled without -mavx2 so that it runs on
// any x86-64 CPU.
#include <cpuid.h>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine::internal {

namespace {

// F16C from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports has no "f16c". The
// OS's saving of AVX state, which F16C needs too, is part of the "avx2" check.
bool HasF16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
}

}  // namespace

bool X86CpuRunsAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && HasF16c();
}

bool X86CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

bool X86CpuRunsVnni() {
  __builtin_cpu_init();
  return X86CpuRunsAvx2() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

}  // namespace gw::engine::internal

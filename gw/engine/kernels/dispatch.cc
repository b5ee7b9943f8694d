// Picks the kernel tables this build and CPU can run. The architecture is chosen at build
// time (CMake defines GW_KERNELS_*); on x86 the CPU's features are checked once at run time.
#include <vector>

#include "gw/engine/kernels/kernels.h"

namespace gw::engine {
namespace {

std::vector<const Kernels*> Detect() {
  std::vector<const Kernels*> all = {&GenericKernels()};
#if defined(GW_KERNELS_X86)
  if (internal::X86CpuRunsAvx2()) all.push_back(&internal::X86Avx2Table());
  if (internal::X86CpuRunsVnni()) all.push_back(&internal::X86VnniTable());
#endif
#if defined(GW_KERNELS_NEON)
  all.push_back(&internal::ArmNeonTable());
#endif
#if defined(GW_KERNELS_SIMD128)
  all.push_back(&internal::WasmSimd128Table());
#endif
  return all;
}

const std::vector<const Kernels*>& Available() {
  static const std::vector<const Kernels*> all = Detect();
  return all;
}

}  // namespace

ExpFlavor CpuExpFlavor() {
#if defined(GW_KERNELS_X86)
  static const ExpFlavor flavor =
      internal::X86CpuHasAvx512() ? ExpFlavor::kWide : ExpFlavor::kNarrow;
  return flavor;
#else
  return ExpFlavor::kNarrow;
#endif
}

bool Q4_0SumsByBlock() {
#if defined(GW_KERNELS_X86)
  static const bool repacks = internal::X86CpuRunsAvx2();
  return repacks;
#else
  return false;
#endif
}

const Kernels& BestKernels() { return *Available().back(); }

std::span<const Kernels* const> AvailableKernels() { return Available(); }

const Kernels* KernelsNamed(std::string_view name) {
  for (const Kernels* k : Available()) {
    if (name == k->name) return k;
  }
  return nullptr;
}

}  // namespace gw::engine

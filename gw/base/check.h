// Invariant macros, after Envoy's ASSERT / RELEASE_ASSERT / ENVOY_BUG.
//
//   GW_CHECK(cond)  always evaluated; on failure logs and aborts. For broken invariants only.
//   GW_DCHECK(cond) debug builds only.
//   GW_BUG(msg)     a should-not-happen path that is survivable: aborts in debug builds,
//                   logs and counts (edgegw_bugs_total) in release builds.
// Never use these on untrusted input (network bytes, files, config): validate and return
// an Error instead.
#pragma once

#include <cstdint>

namespace gw::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* what);
void BugReached(const char* file, int line, const char* what);
// Number of GW_BUG sites reached in this process (exported as edgegw_bugs_total on /metrics).
uint64_t BugCount();
}  // namespace gw::internal

#define GW_CHECK(cond) ((cond) ? (void)0 : ::gw::internal::CheckFailed(__FILE__, __LINE__, #cond))
#ifdef NDEBUG
#define GW_DCHECK(cond) ((void)0)
#else
#define GW_DCHECK(cond) GW_CHECK(cond)
#endif
#define GW_BUG(msg) ::gw::internal::BugReached(__FILE__, __LINE__, msg)

#!/usr/bin/env bash
# Checks the engine's NEON and wasm simd128 kernel tables against the generic one from any
# host: builds tools/cross/kernels_check.cc with the kernel sources for aarch64 and runs it
# under qemu-aarch64 (baseline NEON, then again with dotprod), and for wasm32-wasi with
# -msimd128 and runs it under Node's WASI. No CMake tree: a dozen files, compiled one at a
# time at -O2 under nice, into a temporary folder.
#   tools/cross/check_kernels.sh [--neon] [--wasm] [--require] [--keep DIR]
# Without --neon/--wasm both run. A target whose toolchain is missing is skipped with a
# message, or fails with --require. Exit: 0 every asked target passed, 1 one failed, 77 none
# failed but one was skipped (CTest's SKIP_RETURN_CODE). Toolchains: scripts/deps installs
# g++-aarch64-linux-gnu and qemu-user; scripts/deps --wasm the wasm32-wasi one. The tools can
# be overridden with AARCH64_CXX, QEMU_AARCH64, WASM_CXX and NODE.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
want_neon=0; want_wasm=0; require=0; keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --neon) want_neon=1 ;;
    --wasm) want_wasm=1 ;;
    --require) require=1 ;;
    --keep) keep=${2:?--keep needs a folder}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "check_kernels: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$want_neon$want_wasm" = 00 ] && { want_neon=1; want_wasm=1; }

aarch64_cxx=${AARCH64_CXX:-aarch64-linux-gnu-g++}
qemu=${QEMU_AARCH64:-qemu-aarch64}
wasm_cxx=${WASM_CXX:-clang++-19}
node=${NODE:-node}

if [ -n "$keep" ]; then
  out=$keep; mkdir -p "$out"
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/check_kernels.XXXXXX")
  trap 'rm -rf "$out"' EXIT
fi

# gw/base/result.h includes <tl/expected.hpp>. Neither a cross compiler nor the wasm build
# (-nostdinc) searches the host's /usr/include, so that one library comes in through a link.
tl_dir=""
for d in /usr/include /usr/local/include; do [ -f "$d/tl/expected.hpp" ] && { tl_dir=$d/tl; break; }; done
if [ -z "$tl_dir" ]; then
  echo "check_kernels: tl/expected.hpp not found (scripts/deps installs libexpected-dev)" >&2
  exit 1
fi
mkdir -p "$out/include"
ln -sfn "$tl_dir" "$out/include/tl"

# The engine files a kernel table needs; the table's own file is added per target.
common_srcs=(gw/engine/quant.cc gw/engine/kernels/dispatch.cc gw/engine/kernels/ggml_compat.cc
  gw/engine/kernels/generic/generic_kernels.cc tools/cross/kernels_check.cc)
failed=0; ran=0

# build DIR "COMPILER FLAGS..." "LINK FLAGS..." ARCH_SOURCE...: compiles serially, links
# DIR/kernels_check.
build() {
  local dir=$1 cc=$2 ld=$3 src obj
  shift 3
  mkdir -p "$dir"
  for src in "${common_srcs[@]}" "$@"; do
    obj=$dir/$(basename "$src" .cc).o
    # shellcheck disable=SC2086  # the flag strings split into words on purpose
    nice $cc -c "$root/$src" -o "$obj"
  done
  # shellcheck disable=SC2086
  $ld -o "$dir/kernels_check" "$dir"/*.o
}

skipped=0
skip() {
  if [ "$require" = 1 ]; then
    echo "check_kernels: $1: FAILED (--require)"
    failed=1
  else
    echo "check_kernels: $1: skipped"
    skipped=1
  fi
}

# run LABEL COMMAND...: runs one check program and records its result.
run() {
  local label=$1; shift
  echo "check_kernels: $label"
  ran=$((ran + 1))
  if "$@"; then :; else echo "check_kernels: $label: FAILED"; failed=1; fi
}

if [ "$want_neon" = 1 ]; then
  sysroot=/usr/aarch64-linux-gnu
  if ! command -v "$aarch64_cxx" >/dev/null || ! command -v "$qemu" >/dev/null || [ ! -d "$sysroot/lib" ]; then
    skip "neon (needs $aarch64_cxx, $qemu and $sysroot: scripts/deps installs g++-aarch64-linux-gnu qemu-user)"
  else
    flags="-std=c++20 -O2 -Wall -Wextra -Werror -DGW_KERNELS_NEON -I$root -isystem $out/include"
    build "$out/neon" "$aarch64_cxx $flags" "$aarch64_cxx -static" gw/engine/kernels/arm/neon_kernels.cc
    run "neon (armv8-a baseline) under $qemu" "$qemu" -L "$sysroot" "$out/neon/kernels_check" neon
    build "$out/neon-dotprod" "$aarch64_cxx $flags -march=armv8.2-a+dotprod" "$aarch64_cxx -static" \
      gw/engine/kernels/arm/neon_kernels.cc
    run "neon (armv8.2-a+dotprod) under $qemu" "$qemu" -L "$sysroot" "$out/neon-dotprod/kernels_check" neon
  fi
fi

if [ "$want_wasm" = 1 ]; then
  # The flags of cmake/wasm32-wasi-clang19.cmake: wasi-libc and libc++, no host headers.
  wasi_inc=/usr/include/wasm32-wasi
  clang_inc=/usr/lib/llvm-19/lib/clang/19/include
  if ! command -v "$wasm_cxx" >/dev/null || ! command -v "$node" >/dev/null || [ ! -d "$wasi_inc/c++/v1" ] ||
     [ ! -f /usr/lib/wasm32-wasi/libc++.a ]; then
    skip "simd128 (needs $wasm_cxx, wasi-libc, libc++ for wasm32 and $node: scripts/deps --wasm)"
  else
    flags="--target=wasm32-wasi -msimd128 -std=c++20 -O2 -Wall -Wextra -Werror -fno-exceptions -fno-rtti"
    flags+=" -nostdinc++ -isystem $wasi_inc/c++/v1 -nostdinc -isystem $clang_inc -isystem $wasi_inc"
    flags+=" -DGW_KERNELS_SIMD128 -I$root -isystem $out/include"
    build "$out/wasm" "$wasm_cxx $flags" "$wasm_cxx --target=wasm32-wasi -Wl,-z,stack-size=1048576" \
      gw/engine/kernels/wasm/simd128_kernels.cc gw/engine/kernels/wasm/simd128_compat.cc
    run "simd128 under Node's WASI" "$node" --no-warnings "$root/tools/wasi/run-wasi.mjs" "$out/wasm/kernels_check" \
      simd128
  fi
fi

if [ "$failed" = 1 ]; then echo "check_kernels: FAIL"; exit 1; fi
if [ "$skipped" = 1 ]; then echo "check_kernels: SKIPPED (a toolchain is missing; $ran runs passed)"; exit 77; fi
echo "check_kernels: PASS ($ran runs)"

// The engine's hot loops, one table per instruction set: dot products of a weight row with
// one to four activation rows, the conversion of activations to the weights' partner format,
// and the attention's half-float loops.
//
// Precision follows ggml's CPU backend on purpose, so that edgegw and llama.cpp pick the same
// greedy tokens from the same file: activations meet Q8_0 and Q4_0 weights as Q8_0 blocks
// (scale 127/amax, round half to even), F16 weights as halves, F32 weights as floats.
// Accumulation order may differ between tables; values differ by float rounding only.
//
// Tables: generic C++ (every target), AVX2+FMA+F16C and AVX-512 VNNI (x86-64, chosen at run
// time by CPU features), NEON (aarch64) and simd128 (wasm32), chosen at build time. Each is checked
// against the generic one on random inputs (kernels_test.cc).
// Thread-safety: pure functions; the tables are immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gw/engine/kernels/ggml_compat.h"
#include "gw/engine/quant.h"

namespace gw::engine {

// attn_dots_f16's shared vector is zero-padded to a multiple of this many values.
inline constexpr size_t kAttnPad = 64;

// Most activation rows one dot call takes (prefill reuses each weight row across them).
inline constexpr int kMaxDotRows = 4;

struct Kernels {
  const char* name;
  // Activation conversions. `n` is a multiple of kBlock for the Q8_0 one.
  void (*quantize_q8_0)(const float* x, BlockQ8_0* y, size_t n);
  void (*fp32_to_fp16)(const float* x, uint16_t* y, size_t n);
  // y[i] = x[i] rounded to the nearest half (ties to even), kept as a float.
  void (*round_fp16)(const float* x, float* y, size_t n);
  // out[r] = dot(w, x + r * x_stride) for r < rows (rows <= kMaxDotRows). `n` counts
  // elements (a multiple of kBlock for the block types); x_stride counts x's own units.
  void (*dot_q8_0)(const BlockQ8_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n,
                   float* out);
  void (*dot_q4_0)(const BlockQ4_0* w, const BlockQ8_0* x, size_t x_stride, int rows, size_t n,
                   float* out);
  // Tiles: four weight rows (w_stride blocks apart) against `cols` (1..4) activation rows;
  // out[j * 4 + i] for activation row j and weight row i, each summed exactly as the dots
  // above sum it.
  void (*tile_q8_0)(const BlockQ8_0* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride,
                    int cols, size_t n, float* out);
  void (*tile_q4_0)(const BlockQ4_0* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride,
                    int cols, size_t n, float* out);
  // Eight repacked Q4_0 rows (one BlockQ4_0x8 per block) against `cols` (1..4) activation
  // rows: out[j * 8 + k] for activation row j and weight row k, summed block by block into one
  // float as llama.cpp's repacked kernels sum (acc = fma(block total, dw * dx, acc)).
  // x_sums[j * x_stride + b] is BlockSumsQ8_0 of activation row j's block b.
  void (*tile_q4_0x8)(const BlockQ4_0x8* w, const BlockQ8_0* x, const int16_t* x_sums,
                      size_t x_stride, int cols, size_t n, float* out);
  void (*dot_f16)(const uint16_t* w, const uint16_t* x, size_t x_stride, int rows, size_t n,
                  float* out);
  void (*dot_f32)(const float* w, const float* x, size_t x_stride, int rows, size_t n, float* out);
  // y[i] += a * x[i] with x in halves (attention: probability times value row).
  void (*axpy_f16)(float a, const uint16_t* x, float* y, size_t n);
  // out[i] = silu(gate[i]) * up[i], exponentials as ggml computes them (ggml_compat.h).
  void (*swiglu)(ExpFlavor f, const float* gate, const float* up, float* out, size_t n);
  // x[i] = exp(x[i] - max) and returns their sum, summed as ggml's softmax does for a row
  // padded with masked positions to whole vectors.
  double (*softmax_exp)(ExpFlavor f, float* x, size_t n, float max);
  // Attention's dots in ggml's lane order: out[i] = DotF16Compat(f, order, rows + i *
  // row_stride, segment_stride, y, n, padded) for i < count. y holds halves' values as floats
  // (round_fp16), readable and zero from n up to a multiple of kAttnPad, so one conversion
  // serves every row. Each row too must be readable up to that multiple (past n it may hold
  // anything: a row's segment runs on, or the buffer has kAttnPad spare values at its end).
  void (*attn_dots_f16)(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride,
                        size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                        float* out);
  // attn_dots_f16 over rows that hold the halves' values as floats, with the same bits. A
  // table that has it makes its sessions keep the KV cache in floats: twice the memory, and no
  // conversion on every read, which costs most where there is no half instruction (simd128).
  // Null where the table keeps halves.
  void (*attn_dots_f32)(ExpFlavor f, DotOrder order, const float* rows, size_t row_stride,
                        size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                        float* out);
  // tile_q4_0 with the scales already floats, for `groups` groups of four rows one after
  // another, the same bits: w_scales[4 * (g * blocks + b) + i] is row 4g + i's scale in block
  // b, x_scales[j * x_stride + b] activation row j's, and the result of row 4g + i against
  // activation row j goes to y[j * y_stride + 4g + i]. A table that has it makes LlamaModel keep
  // such scales beside each Q4_0 matrix (Weight::scales4) and MatMul keep the activations'
  // (Activations::block_scales); that spares a half conversion per block where there is no
  // half instruction, and one call per four rows (simd128). Null elsewhere.
  void (*tile_q4_0_scaled)(const BlockQ4_0* w, size_t w_stride, const float* w_scales,
                           const BlockQ8_0* x, const float* x_scales, size_t x_stride, int cols,
                           size_t n, int groups, float* y, size_t y_stride);
};

const Kernels& GenericKernels();
// The generic table with the optional entries simd128 has (attn_dots_f32: a KV cache in
// floats; tile_q4_0_scaled: float scale tables), to test those paths natively.
const Kernels& GenericWasmLikeKernels();
// True where llama.cpp repacks Q4_0 matrices whose row count is a multiple of 8 and sums
// their dots block by block (x86 with AVX2); LlamaModel then repacks them too (BlockQ4_0x8)
// and MatMul runs tile_q4_0x8 on them.
bool Q4_0SumsByBlock();
// The fastest table this build and CPU can run.
const Kernels& BestKernels();
// Every table this build and CPU can run, generic first (for tests and benchmarks).
std::span<const Kernels* const> AvailableKernels();
// A table by name ("generic", "avx2", "avx512vnni", "neon", "simd128"), or null if not available
// here.
const Kernels* KernelsNamed(std::string_view name);

namespace internal {
// Per-architecture tables, defined only in builds for that architecture (CMake defines
// GW_KERNELS_X86, GW_KERNELS_NEON or GW_KERNELS_SIMD128 accordingly).
const Kernels& X86Avx2Table();
bool X86CpuRunsAvx2();   // AVX2, FMA and F16C present and enabled by the OS
bool X86CpuHasAvx512();  // AVX-512 F and DQ (llama.cpp then takes its AVX-512 paths)
const Kernels& X86VnniTable();
bool X86CpuRunsVnni();  // AVX-512 F, VL and VNNI, besides the AVX2 set
// The scalar ggml-compatible loops (ggml_compat.cc).
void SwigluCompat(ExpFlavor f, const float* gate, const float* up, float* out, size_t n);
double SoftmaxExpCompat(ExpFlavor f, float* x, size_t n, float max);
// Tiles built from a table's own dots (for tables without tile kernels).
template <auto kDot, class W>
void TileFromDots(const W* w, size_t w_stride, const BlockQ8_0* x, size_t x_stride, int cols,
                  size_t n, float* out) {
  float col[kMaxDotRows];
  for (int i = 0; i < 4; ++i) {
    kDot(w + i * w_stride, x, x_stride, cols, n, col);
    for (int j = 0; j < cols; ++j) out[j * 4 + i] = col[j];
  }
}
// The reference repacked Q4_0 tile (generic_kernels.cc); tables whose targets never repack
// (Q4_0SumsByBlock false) carry it to stay complete.
void TileQ4_0x8Generic(const BlockQ4_0x8* w, const BlockQ8_0* x, const int16_t* x_sums,
                       size_t x_stride, int cols, size_t n, float* out);
// Their AVX2 forms (x86/avx2_compat.cc).
void SwigluAvx2(ExpFlavor f, const float* gate, const float* up, float* out, size_t n);
double SoftmaxExpAvx2(ExpFlavor f, float* x, size_t n, float max);
void AttnDotsAvx2(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride,
                  size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                  float* out);
void RoundFp16Avx2(const float* x, float* y, size_t n);
const Kernels& ArmNeonTable();
const Kernels& WasmSimd128Table();
// The simd128 table's ggml-compatible loops (wasm/simd128_compat.cc).
void AttnDotsSimd128(ExpFlavor f, DotOrder order, const uint16_t* rows, size_t row_stride,
                     size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                     float* out);
void AttnDotsF32Simd128(ExpFlavor f, DotOrder order, const float* rows, size_t row_stride,
                        size_t segment_stride, size_t count, const float* y, size_t n, bool padded,
                        float* out);
void SwigluSimd128(ExpFlavor f, const float* gate, const float* up, float* out, size_t n);
double SoftmaxExpSimd128(ExpFlavor f, float* x, size_t n, float max);
}  // namespace internal

}  // namespace gw::engine

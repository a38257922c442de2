// bfloat16 matrix products for the fast forward's opt-in "bf16" precision: inputs rounded to bf16
// (8 bits of mantissa), products accumulated and written in float. Debian 12's OpenBLAS 0.3.21 is
// built without BUILD_BFLOAT16 (no cblas_sbgemm in libopenblas.so.0), so the product is oneDNN's
// dnnl_gemm_bf16bf16f32 (AVX512-BF16 kernels) from libdnnl.so.2, which libtorch already loads;
// a cblas_sbgemm in the process is preferred where an OpenBLAS has one. Both are looked up at run
// time, so the build needs neither header and f32 inference never depends on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace guardian::models {

using bf16 = uint16_t;  // the upper half of an IEEE float

// out[i] = in[i] rounded to the nearest bf16 (ties to even; NaN stays NaN).
void to_bf16(const float* in, size_t n, bf16* out);
// The float whose upper half v is (exact); inline, so that summing bf16 rows vectorises.
inline float from_bf16(bf16 v) {
  const uint32_t u = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Which library computes bf16 products ("openblas", "onednn"), or "" where neither is there.
std::string bf16_gemm_backend();
// Throws ConfigError, saying what to install, when bf16_gemm_backend() is "".
void require_bf16_gemm();

// C[m, n] = A[m, k] . W[n, k]^T + beta * C, row-major, on the calling thread alone (the fast
// forward parallelises by splitting the batch). Throws as require_bf16_gemm does.
void bf16_gemm_nt(int m, int n, int k, const bf16* a, const bf16* w, float beta, float* c);

}  // namespace guardian::models

#include "models/bf16_gemm.h"

#include <dlfcn.h>

#include <cstring>

#include "core/error.h"

namespace guardian::models {

namespace {

// cblas_sbgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) with
// CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 (cblas.h; blasint is int here).
using SbgemmFn = void (*)(int, int, int, int, int, int, float, const bf16*, int, const bf16*, int, float, float*, int);
// dnnl_gemm_bf16bf16f32(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): row-major
// since oneDNN 1.0 (dnnl.h); dnnl_dim_t is int64_t; returns dnnl_status_t (0 = success).
using DnnlGemmFn = int (*)(char, char, int64_t, int64_t, int64_t, float, const bf16*, int64_t, const bf16*, int64_t,
                           float, float*, int64_t);
using OmpGetFn = int (*)();
using OmpSetFn = void (*)(int);

struct Backend {
  SbgemmFn sbgemm = nullptr;
  DnnlGemmFn dnnl = nullptr;
  // oneDNN's OpenMP team size is the calling thread's omp_get_max_threads(); it is set to 1 for
  // the call and put back, so libtorch's OpenMP setting on the same thread stays as it was.
  OmpGetFn omp_get = nullptr;
  OmpSetFn omp_set = nullptr;
};

const Backend& backend() {
  static const Backend b = [] {
    Backend out;
    out.sbgemm = reinterpret_cast<SbgemmFn>(dlsym(RTLD_DEFAULT, "cblas_sbgemm"));
    if (out.sbgemm != nullptr) return out;
    if (void* lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_GLOBAL)) {
      out.dnnl = reinterpret_cast<DnnlGemmFn>(dlsym(lib, "dnnl_gemm_bf16bf16f32"));
      out.omp_get = reinterpret_cast<OmpGetFn>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
      out.omp_set = reinterpret_cast<OmpSetFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    }
    return out;
  }();
  return b;
}

}  // namespace

#define GUARDIAN_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

GUARDIAN_VECTOR_CLONES void to_bf16(const float* in, size_t n, bf16* out) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &in[i], sizeof u);
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    const uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even
    out[i] = static_cast<bf16>(nan ? (u >> 16) | 0x40u : rounded >> 16);
  }
}

std::string bf16_gemm_backend() {
  const auto& b = backend();
  return b.sbgemm != nullptr ? "openblas" : b.dnnl != nullptr ? "onednn" : "";
}

void require_bf16_gemm() {
  if (bf16_gemm_backend().empty()) {
    throw ConfigError("bf16 inference needs cblas_sbgemm (an OpenBLAS built with BUILD_BFLOAT16) or oneDNN "
                      "(libdnnl.so.2, Debian package libdnnl2); neither is loadable: use precision f32");
  }
}

void bf16_gemm_nt(int m, int n, int k, const bf16* a, const bf16* w, float beta, float* c) {
  const auto& b = backend();
  if (b.sbgemm != nullptr) {
    b.sbgemm(101, 111, 112, m, n, k, 1.0f, a, k, w, k, beta, c, n);
    return;
  }
  require_bf16_gemm();
  const int saved = b.omp_get != nullptr && b.omp_set != nullptr ? b.omp_get() : 0;
  if (saved > 1) b.omp_set(1);
  const int status = b.dnnl('N', 'T', m, n, k, 1.0f, a, k, w, k, beta, c, n);
  if (saved > 1) b.omp_set(saved);
  if (status != 0) throw Error("oneDNN's bf16 product failed with status " + std::to_string(status));
}

}  // namespace guardian::models

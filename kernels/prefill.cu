// prefill.cu: f16 activations for cuBLAS's products in prefill (n >= CudaOptions.CublasMinRows rows), where a
// tensor-core GEMM beats matmul.cu's per-row kernels (measured: docs/cuda.md). cuBLAS multiplies f16 by f16 only,
// so the step before each product writes its output in f16 here instead of being fused into the product.
#include "gg_common.cuh"

__device__ __forceinline__ unsigned short gg_to_half(float f)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

// rmsnorm_f16: out[t, :] = f16(x[t, :] * rsqrt(mean(x[t]^2) + eps) * w). x (n, dim) f32; w (dim) f32; out (n, dim) f16.
// Launch: grid (n), block 256.
extern "C" __global__ void rmsnorm_f16(const float* x, const float* w, unsigned short* out, int dim, float eps)
{
    gg_wait();
    __shared__ float scratch[32];
    const float* xr = x + (size_t)blockIdx.x * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
    ss = gg_block_sum(ss, scratch);
    const float rs = 1.0f / sqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[(size_t)blockIdx.x * dim + i] = gg_to_half(xr[i] * rs * w[i]);
}

// swiglu_f16: out[t, i] = f16(silu(gu[t, i]) * gu[t, inter + i]). gu (n, 2 * inter) f32; out (n, inter) f16.
// Launch: grid (ceil(n * inter / 256)), block 256.
extern "C" __global__ void swiglu_f16(const float* gu, unsigned short* out, int inter, int n)
{
    gg_wait();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n * inter) return;
    const int t = i / inter, j = i - t * inter;
    const float g = gu[(size_t)t * 2 * inter + j];
    out[i] = gg_to_half(g / (1.0f + expf(-g)) * gu[(size_t)t * 2 * inter + inter + j]);
}

// to_f16: out[i] = f16(x[i]) for count values. Launch: grid (ceil(count / 256)), block 256.
extern "C" __global__ void to_f16(const float* x, unsigned short* out, int count)
{
    gg_wait();
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) out[i] = gg_to_half(x[i]);
}

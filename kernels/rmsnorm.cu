// rmsnorm.cu: RMSNorm as Llama defines it, y = x * rsqrt(mean(x^2) + eps) * w, in f32.
#include "gg_common.cuh"

// rmsnorm_rows: for each of gridDim.x rows, y[t, :] = rmsnorm(x[t, :]) * w.
// x, y (rows, dim) f32 (y may not alias x); w (dim) f32. Launch: grid (rows), block 256.
extern "C" __global__ void rmsnorm_rows(const float* x, const float* w, float* y, int dim, float eps)
{
    __shared__ float scratch[32];
    const float* xr = x + (size_t)blockIdx.x * dim;
    float* yr = y + (size_t)blockIdx.x * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
    ss = gg_block_sum(ss, scratch);
    const float scale = 1.0f / sqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) yr[i] = xr[i] * scale * w[i];
}

// swiglu.cu: the gate of Llama's MLP, h = silu(gate) * up with silu(g) = g / (1 + exp(-g)).
#include "gg_common.cuh"

// silu_mul: gu (n, 2 * inter) f32, gate then up per row; h (n, inter) f32.
// Launch: grid (ceil(n * inter / 256)), block 256.
extern "C" __global__ void silu_mul(const float* gu, float* h, int inter, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n * inter) return;
    const int t = i / inter, j = i - t * inter;
    const float g = gu[(size_t)t * 2 * inter + j];
    const float u = gu[(size_t)t * 2 * inter + inter + j];
    h[i] = g / (1.0f + expf(-g)) * u;
}

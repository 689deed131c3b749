// matmul.cu: weight x activation products, y[t, r] (+)= dot(W[r, :], x[t, :]), for decode (n = 1) and small n.
// Memory-bound at batch 1: each weight row is read once per 4 activation rows, 16 bytes per lane per load.
#include "gg_common.cuh"

#define GG_TOKENS 4

// matvec_f16: W (rows, cols) f16 row-major, cols % 8 == 0; x (n, cols) f32; y (n, ldy) f32.
// accumulate = 1 adds to y (the residual stream), 0 overwrites. Launch: grid (ceil(rows / 4)), block 128
// (one warp per output row).
extern "C" __global__ void matvec_f16(const unsigned short* W, const float* x, float* y, int rows, int cols, int n,
    int ldy, int accumulate)
{
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const uint4* w = (const uint4*)(W + (size_t)row * cols);
    const int chunks = cols >> 3;
    for (int t0 = 0; t0 < n; t0 += GG_TOKENS)
    {
        float acc[GG_TOKENS] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int c = lane; c < chunks; c += 32)
        {
            const uint4 v = w[c];
            float wf[8];
            const unsigned int words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
            for (int j = 0; j < 4; j++)
            {
                wf[2 * j] = gg_half((unsigned short)(words[j] & 0xffffu));
                wf[2 * j + 1] = gg_half((unsigned short)(words[j] >> 16));
            }
#pragma unroll
            for (int k = 0; k < GG_TOKENS; k++)
            {
                if (t0 + k < n)
                {
                    const float4* xp = (const float4*)(x + (size_t)(t0 + k) * cols) + 2 * c;
                    const float4 a = xp[0], b = xp[1];
                    acc[k] += wf[0] * a.x + wf[1] * a.y + wf[2] * a.z + wf[3] * a.w
                            + wf[4] * b.x + wf[5] * b.y + wf[6] * b.z + wf[7] * b.w;
                }
            }
        }
#pragma unroll
        for (int k = 0; k < GG_TOKENS; k++)
        {
            const float sum = gg_warp_sum(acc[k]);
            if (lane == 0 && t0 + k < n)
            {
                float* out = y + (size_t)(t0 + k) * ldy + row;
                *out = accumulate ? *out + sum : sum;
            }
        }
    }
}

// matvec_i8: weight-only int8, W = q * scale with one f32 scale per 32 values along a row.
// q (rows, cols) int8, cols % 32 == 0; scales (rows, cols / 32) f32; x, y, accumulate as matvec_f16.
// Launch: grid (ceil(rows / 4)), block 128 (one warp per output row, 16 bytes per lane per load).
extern "C" __global__ void matvec_i8(const signed char* q, const float* scales, const float* x, float* y, int rows,
    int cols, int n, int ldy, int accumulate)
{
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const int4* w = (const int4*)(q + (size_t)row * cols);
    const float* sc = scales + (size_t)row * (cols >> 5);
    const int chunks = cols >> 4;
    for (int t0 = 0; t0 < n; t0 += GG_TOKENS)
    {
        float acc[GG_TOKENS] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int c = lane; c < chunks; c += 32)
        {
            const int4 v = w[c];
            const float scale = sc[c >> 1];
            float wf[16];
            const int words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
            for (int j = 0; j < 4; j++)
            {
#pragma unroll
                for (int b = 0; b < 4; b++) wf[4 * j + b] = (float)(signed char)((words[j] >> (8 * b)) & 0xff);
            }
#pragma unroll
            for (int k = 0; k < GG_TOKENS; k++)
            {
                if (t0 + k < n)
                {
                    const float4* xp = (const float4*)(x + (size_t)(t0 + k) * cols) + 4 * c;
                    float part = 0.0f;
#pragma unroll
                    for (int j = 0; j < 4; j++)
                    {
                        const float4 a = xp[j];
                        part += wf[4 * j] * a.x + wf[4 * j + 1] * a.y + wf[4 * j + 2] * a.z + wf[4 * j + 3] * a.w;
                    }
                    acc[k] += part * scale;
                }
            }
        }
#pragma unroll
        for (int k = 0; k < GG_TOKENS; k++)
        {
            const float sum = gg_warp_sum(acc[k]);
            if (lane == 0 && t0 + k < n)
            {
                float* out = y + (size_t)(t0 + k) * ldy + row;
                *out = accumulate ? *out + sum : sum;
            }
        }
    }
}

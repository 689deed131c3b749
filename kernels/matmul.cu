// matmul.cu: weight x activation products, y[t, r] (+)= dot(W[r, :], in(x)[t, :]), for decode (n = 1) and small n,
// with the step before each product fused into it, so that a decoder layer is six launches with rope and attention
// (five in decode, where attention.cu does both in one):
//   plain:  in(x) = x                                   (attention output projection)
//   norm:   in(x) = x * rsqrt(mean(x^2) + eps) * w      (RMSNorm before q/k/v, gate/up and the LM head)
//   swiglu: in(x)[c] = silu(x[c]) * x[cols + c]         (SwiGLU before down; x holds gate then up, 2 * cols wide)
//   norm_glu (f16): in(x) as norm, and the output is silu(gate) * up: W holds gate rows then up rows, each group
//           takes GG_ROWS / 2 of each, so the SwiGLU step is done once per output instead of once per row of down
// accumulate = 1 adds to y (the residual add), 0 overwrites. Memory-bound at batch 1. f16: four output rows a group
// of 1-8 warps (split-K), eight 16-byte weight loads a lane in flight; int8: one warp per output row, one 16-byte load
// a lane at a time.
// Each weight row is read once per 4 activation rows.
#include "gg_common.cuh"

#define GG_TOKENS 4
#define GG_PLAIN 0
#define GG_NORM 1
#define GG_SWIGLU 2
#define GG_NORM_GLU 3
// 1: silu with the fast exp and division intrinsics (__expf, __fdividef: about 2 ulp). They took the down projection
// from 1,513 to 1,195 us a token on the 8B shape while it applied SwiGLU to its input once per row (run D); since
// matvec_f16_norm_glu applies it once per output, both give the same step time (run E: 4,910.5 and 4,910.2 us),
// so the exact one is kept. 0: expf and division.
#define GG_FAST_SILU 0

// silu(g) = g * sigmoid(g), one formula for both places that apply it (the results must be the same bits).
__device__ __forceinline__ float gg_silu(float g)
{
#if GG_FAST_SILU
    return __fdividef(g, 1.0f + __expf(-g));
#else
    return g / (1.0f + expf(-g));
#endif
}

// Eight input values from column c (c % 8 == 0) of activation row xr.
template <int MODE>
__device__ __forceinline__ void gg_load8(const float* xr, const float* norm_w, float rs, int cols, int c, float* o)
{
    if (MODE == GG_SWIGLU)
    {
        const float4 g0 = *(const float4*)(xr + c), g1 = *(const float4*)(xr + c + 4);
        const float4 u0 = *(const float4*)(xr + cols + c), u1 = *(const float4*)(xr + cols + c + 4);
        const float g[8] = {g0.x, g0.y, g0.z, g0.w, g1.x, g1.y, g1.z, g1.w};
        const float u[8] = {u0.x, u0.y, u0.z, u0.w, u1.x, u1.y, u1.z, u1.w};
#pragma unroll
        for (int i = 0; i < 8; i++) o[i] = gg_silu(g[i]) * u[i];
    }
    else
    {
        const float4 a = *(const float4*)(xr + c), b = *(const float4*)(xr + c + 4);
        o[0] = a.x; o[1] = a.y; o[2] = a.z; o[3] = a.w; o[4] = b.x; o[5] = b.y; o[6] = b.z; o[7] = b.w;
        if (MODE == GG_NORM)
        {
            const float4 wa = *(const float4*)(norm_w + c), wb = *(const float4*)(norm_w + c + 4);
            const float w[8] = {wa.x, wa.y, wa.z, wa.w, wb.x, wb.y, wb.z, wb.w};
#pragma unroll
            for (int i = 0; i < 8; i++) o[i] = o[i] * rs * w[i];
        }
    }
}

// 1 / rms of each activation row of the tile (GG_NORM only), computed by the whole warp.
template <int MODE>
__device__ __forceinline__ void gg_row_scales(const float* x, int cols, int n, int t0, float eps, int lane, float* rs)
{
#pragma unroll
    for (int k = 0; k < GG_TOKENS; k++)
    {
        rs[k] = 1.0f;
        if (MODE == GG_NORM && t0 + k < n)
        {
            const float* xr = x + (size_t)(t0 + k) * cols;
            float ss = 0.0f;
            for (int c = lane; c < cols; c += 32) ss += xr[c] * xr[c];
            ss = gg_warp_sum(ss);
            rs[k] = 1.0f / sqrtf(ss / cols + eps);
        }
    }
}

__device__ __forceinline__ void gg_store(float* y, int ldy, int row, int n, int t0, int lane, int accumulate, const float* acc)
{
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

// Weights are read once a token: 16 bytes through the non-coherent path, not kept in L1, so the activations stay there.
// volatile: never executed speculatively (a lane past the end of a row must not load).
__device__ __forceinline__ uint4 gg_ld_weights(const uint4* p)
{
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}

__device__ __forceinline__ void gg_unpack8(uint4 v, float* wf)
{
    const unsigned int words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int j = 0; j < 4; j++)
    {
        wf[2 * j] = gg_half((unsigned short)(words[j] & 0xffffu));
        wf[2 * j + 1] = gg_half((unsigned short)(words[j] >> 16));
    }
}

// Eight input values from column c of activation row xr, for the f16 products: RMSNorm is applied after the dot
// product (its scale is one number a row), so here only x * w, and ss gathers the row's sum of squares.
template <int MODE>
__device__ __forceinline__ void gg_input8(const float* xr, const float* norm_w, int cols, int c, float* o, float& ss)
{
    if (MODE == GG_NORM || MODE == GG_NORM_GLU)
    {
        const float4 a = *(const float4*)(xr + c), b = *(const float4*)(xr + c + 4);
        const float4 wa = *(const float4*)(norm_w + c), wb = *(const float4*)(norm_w + c + 4);
        ss += a.x * a.x + a.y * a.y + a.z * a.z + a.w * a.w + b.x * b.x + b.y * b.y + b.z * b.z + b.w * b.w;
        o[0] = a.x * wa.x; o[1] = a.y * wa.y; o[2] = a.z * wa.z; o[3] = a.w * wa.w;
        o[4] = b.x * wb.x; o[5] = b.y * wb.y; o[6] = b.z * wb.z; o[7] = b.w * wb.w;
    }
    else
    {
        gg_load8<MODE>(xr, norm_w, 1.0f, cols, c, o);
    }
}

// f16 weights: W (rows, cols) row-major, cols % 8 == 0. Each group of `splits` warps computes GG_ROWS output rows;
// each lane keeps GG_ROWS * GG_UNROLL independent 16-byte weight loads in flight (issued together, then used), so the
// memory system sees enough outstanding requests to run near its bandwidth at batch 1. Each activation value is
// read once for the group's rows. Split-K: with splits > 1 the group's warps take interleaved 512-byte column chunks
// of the same rows, and their partial sums (and RMSNorm sums of squares) meet in shared memory, in a fixed order
// (deterministic). That gives matrices with few rows (q/k/v, o, down) enough warps in flight for the GPU's SMs.
// The whole group covers each row, so the RMSNorm sum of squares comes out of the same pass.
// Four rows of two loads each beat two rows of four on every 8B and 1B product shape (run D, docs/cuda.md).
// Issuing the first loads before gg_wait (so that resident blocks fetch weights while the kernel before finishes)
// was measured too and did not help: the step took 5,700 us with it, 5,617 us without.
#define GG_ROWS 4
#define GG_UNROLL 2
#define GG_MAX_WARPS 8

// One step's weight loads: GG_UNROLL chunks (step apart) of each of the group's GG_ROWS rows, zero past the end.
__device__ __forceinline__ void gg_load_step(uint4 (&v)[GG_UNROLL][GG_ROWS], const uint4* const (&w)[GG_ROWS], int c0,
    int step, int chunks)
{
#pragma unroll
    for (int u = 0; u < GG_UNROLL; u++)
    {
#pragma unroll
        for (int r = 0; r < GG_ROWS; r++)
        {
            if (c0 + step * u < chunks)
            {
                v[u][r] = gg_ld_weights(w[r] + c0 + step * u);
            }
            else
            {
                v[u][r].x = 0u; v[u][r].y = 0u; v[u][r].z = 0u; v[u][r].w = 0u;
            }
        }
    }
}

template <int MODE>
__device__ __forceinline__ void gg_matvec_f16(const unsigned short* W, const float* x, const float* norm_w, float eps,
    float* y, int rows, int cols, int n, int ldy, int accumulate, int splits)
{
    __shared__ float partial[GG_MAX_WARPS][GG_ROWS + 1][GG_TOKENS];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int groups = (blockDim.x >> 5) / splits;
    const int group = warp / splits;
    const int part = warp - group * splits;
    // norm_glu: `rows` counts outputs, GG_ROWS / 2 a group, from gate rows row0.. and up rows rows + row0..
    const int glu = MODE == GG_NORM_GLU;
    const int glu_rows = GG_ROWS / 2;
    const int row0 = (blockIdx.x * groups + group) * (glu ? glu_rows : GG_ROWS);
    if (splits == 1 && row0 >= rows) return;

    // With splits > 1 a warp past the last row stays for the block's barriers but loads nothing.
    const bool active = row0 < rows;
    const int chunks = active ? cols >> 3 : 0;
    const int step = 32 * splits;
    const int stride = MODE == GG_SWIGLU ? 2 * cols : cols;
    const int first = part * 32 + lane;
    const uint4* w[GG_ROWS];
#pragma unroll
    for (int r = 0; r < GG_ROWS; r++)
    {
        const int out = glu ? row0 + (r < glu_rows ? r : r - glu_rows) : row0 + r;
        const int row = out < rows ? out : (active ? row0 : 0);
        w[r] = (const uint4*)(W + (size_t)(glu && r >= glu_rows ? rows + row : row) * cols);
    }
    gg_wait();
    for (int t0 = 0; t0 < n; t0 += GG_TOKENS)
    {
        float acc[GG_ROWS][GG_TOKENS];
        float ss[GG_TOKENS];
#pragma unroll
        for (int k = 0; k < GG_TOKENS; k++)
        {
            ss[k] = 0.0f;
#pragma unroll
            for (int r = 0; r < GG_ROWS; r++) acc[r][k] = 0.0f;
        }
        for (int c0 = first; c0 < chunks; c0 += step * GG_UNROLL)
        {
            uint4 v[GG_UNROLL][GG_ROWS];
            gg_load_step(v, w, c0, step, chunks);
#pragma unroll
            for (int u = 0; u < GG_UNROLL; u++)
            {
                const int c = c0 + step * u;
                if (c < chunks)
                {
                    float wf[GG_ROWS][8];
#pragma unroll
                    for (int r = 0; r < GG_ROWS; r++) gg_unpack8(v[u][r], wf[r]);
#pragma unroll
                    for (int k = 0; k < GG_TOKENS; k++)
                    {
                        if (t0 + k < n)
                        {
                            float a[8];
                            gg_input8<MODE>(x + (size_t)(t0 + k) * stride, norm_w, cols, 8 * c, a, ss[k]);
#pragma unroll
                            for (int r = 0; r < GG_ROWS; r++)
                            {
                                acc[r][k] += wf[r][0] * a[0] + wf[r][1] * a[1] + wf[r][2] * a[2] + wf[r][3] * a[3]
                                           + wf[r][4] * a[4] + wf[r][5] * a[5] + wf[r][6] * a[6] + wf[r][7] * a[7];
                            }
                        }
                    }
                }
            }
        }
        if (splits == 1)
        {
#pragma unroll
            for (int k = 0; k < GG_TOKENS; k++)
            {
                const float scale = MODE == GG_NORM || glu ? 1.0f / sqrtf(gg_warp_sum(ss[k]) / cols + eps) : 1.0f;
                float sums[GG_ROWS];
#pragma unroll
                for (int r = 0; r < GG_ROWS; r++) sums[r] = gg_warp_sum(acc[r][k]) * scale;
#pragma unroll
                for (int r = 0; r < (glu ? glu_rows : GG_ROWS); r++)
                {
                    const float sum = glu ? gg_silu(sums[r]) * sums[r + glu_rows] : sums[r];
                    if (lane == 0 && t0 + k < n && row0 + r < rows)
                    {
                        float* out = y + (size_t)(t0 + k) * ldy + row0 + r;
                        *out = accumulate ? *out + sum : sum;
                    }
                }
            }
        }
        else
        {
            // Each warp's sums to shared memory; the group's first warp adds its group's parts in order and stores.
#pragma unroll
            for (int k = 0; k < GG_TOKENS; k++)
            {
                const float s2 = MODE == GG_NORM || glu ? gg_warp_sum(ss[k]) : 0.0f;
                if (lane == 0) partial[warp][GG_ROWS][k] = s2;
#pragma unroll
                for (int r = 0; r < GG_ROWS; r++)
                {
                    const float sum = gg_warp_sum(acc[r][k]);
                    if (lane == 0) partial[warp][r][k] = sum;
                }
            }
            __syncthreads();
            // Lane j of the first warp handles token k = j / outs, output r = j % outs of the tile (outs = GG_ROWS,
            // or GG_ROWS / 2 for norm_glu, whose lane adds up both the gate row r and the up row r + GG_ROWS / 2).
            const int outs = glu ? glu_rows : GG_ROWS;
            const int k = lane / outs, r = lane - k * outs;
            if (part == 0 && active && lane < outs * GG_TOKENS && t0 + k < n && row0 + r < rows)
            {
                float sum = 0.0f, up = 0.0f, s2 = 0.0f;
                for (int p = 0; p < splits; p++)
                {
                    sum += partial[warp + p][r][k];
                    if (glu) up += partial[warp + p][r + glu_rows][k];
                    s2 += partial[warp + p][GG_ROWS][k];
                }
                if (MODE == GG_NORM || glu)
                {
                    const float scale = 1.0f / sqrtf(s2 / cols + eps);
                    sum *= scale;
                    up *= scale;
                }
                if (glu) sum = gg_silu(sum) * up;
                float* out = y + (size_t)(t0 + k) * ldy + row0 + r;
                *out = accumulate ? *out + sum : sum;
            }
            __syncthreads();
        }
    }
}

// int8 weights: q (rows, cols) int8, cols % 32 == 0; scales (rows, cols / 32) f32; W = q * scale.
template <int MODE>
__device__ __forceinline__ void gg_matvec_i8(const signed char* q, const float* scales, const float* x, const float* norm_w,
    float eps, float* y, int rows, int cols, int n, int ldy, int accumulate)
{
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const int4* w = (const int4*)(q + (size_t)row * cols);
    const float* sc = scales + (size_t)row * (cols >> 5);
    const int chunks = cols >> 4;
    const int stride = MODE == GG_SWIGLU ? 2 * cols : cols;
    for (int t0 = 0; t0 < n; t0 += GG_TOKENS)
    {
        float rs[GG_TOKENS];
        gg_row_scales<MODE>(x, cols, n, t0, eps, lane, rs);
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
                    const float* xr = x + (size_t)(t0 + k) * stride;
                    float a[8], b[8];
                    gg_load8<MODE>(xr, norm_w, rs[k], cols, 16 * c, a);
                    gg_load8<MODE>(xr, norm_w, rs[k], cols, 16 * c + 8, b);
                    float part = 0.0f;
#pragma unroll
                    for (int j = 0; j < 8; j++) part += wf[j] * a[j] + wf[8 + j] * b[j];
                    acc[k] += part * scale;
                }
            }
        }
        gg_store(y, ldy, row, n, t0, lane, accumulate, acc);
    }
}

// matvec_f16: y (+)= W x. W (rows, cols) f16; x (n, cols) f32; y (n, ldy) f32. splits: warps a group of GG_ROWS
// output rows (1, 2, 4 or 8). Launch: block max(128, 32 * splits) threads, so a block holds
// (block / 32 / splits) groups; grid ceil(rows / (GG_ROWS * groups)). With splits = 1: block 128, grid ceil(rows / 16).
// Same launch for the matvec_f16_* below; the int8 ones take one row a warp (grid ceil(rows / 4), block 128).
extern "C" __global__ void matvec_f16(const unsigned short* W, const float* x, float* y, int rows, int cols, int n,
    int ldy, int accumulate, int splits)
{
    gg_matvec_f16<GG_PLAIN>(W, x, 0, 0.0f, y, rows, cols, n, ldy, accumulate, splits);
}

// matvec_f16_norm: y (+)= W rmsnorm(x) * norm_w. x (n, cols) f32; norm_w (cols) f32. Launch: as matvec_f16.
extern "C" __global__ void matvec_f16_norm(const unsigned short* W, const float* x, const float* norm_w,
    float eps, float* y, int rows, int cols, int n, int ldy, int accumulate, int splits)
{
    gg_matvec_f16<GG_NORM>(W, x, norm_w, eps, y, rows, cols, n, ldy, accumulate, splits);
}

// matvec_f16_norm_glu: y[t, i] = silu(g) * u with g = gate row i, u = up row i of W applied to rmsnorm(x[t]) * norm_w
// (the gate+up product and the SwiGLU step in one, so that down multiplies a plain input). W (2 * rows, cols) f16:
// the gate rows, then the up rows; y (n, ldy) f32, rows outputs a row, overwritten (accumulate must be 0). Launch: as
// matvec_f16 with GG_ROWS / 2 outputs a group: grid ceil(rows / (GG_ROWS / 2 * groups)).
extern "C" __global__ void matvec_f16_norm_glu(const unsigned short* W, const float* x, const float* norm_w,
    float eps, float* y, int rows, int cols, int n, int ldy, int accumulate, int splits)
{
    gg_matvec_f16<GG_NORM_GLU>(W, x, norm_w, eps, y, rows, cols, n, ldy, accumulate, splits);
}

// matvec_f16_swiglu: y (+)= W (silu(gate) * up). x (n, 2 * cols) f32, gate then up. Launch: as matvec_f16.
extern "C" __global__ void matvec_f16_swiglu(const unsigned short* W, const float* x, float* y, int rows,
    int cols, int n, int ldy, int accumulate, int splits)
{
    gg_matvec_f16<GG_SWIGLU>(W, x, 0, 0.0f, y, rows, cols, n, ldy, accumulate, splits);
}

// matvec_i8: y (+)= W x with W = q * scale (int8, groups of 32). Launch: grid (ceil(rows / 4)), block 128.
extern "C" __global__ void matvec_i8(const signed char* q, const float* scales, const float* x, float* y, int rows, int cols, int n,
    int ldy, int accumulate)
{
    gg_wait();
    gg_matvec_i8<GG_PLAIN>(q, scales, x, 0, 0.0f, y, rows, cols, n, ldy, accumulate);
}

// matvec_i8_norm: y (+)= W rmsnorm(x) * norm_w, int8 W. Launch: as matvec_i8.
extern "C" __global__ void matvec_i8_norm(const signed char* q, const float* scales, const float* x, const float* norm_w, float eps,
    float* y, int rows, int cols, int n, int ldy, int accumulate)
{
    gg_wait();
    gg_matvec_i8<GG_NORM>(q, scales, x, norm_w, eps, y, rows, cols, n, ldy, accumulate);
}

// matvec_i8_swiglu: y (+)= W (silu(gate) * up), int8 W; x (n, 2 * cols). Launch: as matvec_i8.
extern "C" __global__ void matvec_i8_swiglu(const signed char* q, const float* scales, const float* x, float* y, int rows, int cols,
    int n, int ldy, int accumulate)
{
    gg_wait();
    gg_matvec_i8<GG_SWIGLU>(q, scales, x, 0, 0.0f, y, rows, cols, n, ldy, accumulate);
}

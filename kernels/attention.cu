// attention.cu: causal grouped-query attention over the KV cache, for decode and prefill rows alike.
#include "gg_common.cuh"

// One row and head: out = softmax(q . K[0..len) * scale) . V[0..len) with q (head_dim) already in shared memory.
// keys/values: the layer's cache of the head's kv head (row stride kv_dim). With kc/vc (shared memory) the last
// position's key and value are taken from there instead of the cache. Scores: a warp or part of one per position
// (a 16-byte load a lane along its key, then a sum over those lanes); values: head_dim / 4 threads a position (a
// 16-byte load each), the block's blockDim.x / (head_dim / 4) groups of them taking every groups-th position, their
// partial outputs summed at the end; the last position is always the last term of its group (so the result does not depend on where its key and
// value came from). part: 4 * blockDim.x floats; s: len floats.
__device__ __forceinline__ void gg_attend(const float* q, const float* keys, const float* values, const float* kc,
    const float* vc, int len, int kv_dim, int head_dim, float scale, float* part, float* s, float* scratch, float* out)
{
    const int last = len - 1;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int quads = head_dim >> 2;
    // Lanes a position: the smallest power of two that covers the key's 16-byte pieces, at most a warp (a warp holds
    // 32 / width positions, so heads of 64 or 48 dimensions keep every lane busy).
    int width = 1;
    while (width < quads && width < 32) width <<= 1;
    const int per_warp = 32 / width, sub = lane / width, sl = lane - sub * width;
    float m = -INFINITY;
    for (int p0 = warp * per_warp; p0 < len; p0 += warps * per_warp)
    {
        const int p = p0 + sub;
        float acc = 0.0f;
        if (p < len)
        {
            const float4* k = (const float4*)(kc != 0 && p == last ? kc : keys + (size_t)p * kv_dim);
            for (int i = sl; i < quads; i += width)
            {
                const float4 kk = k[i];
                acc += q[4 * i] * kk.x + q[4 * i + 1] * kk.y + q[4 * i + 2] * kk.z + q[4 * i + 3] * kk.w;
            }
        }

        for (int o = width >> 1; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
        acc *= scale;
        if (p < len)
        {
            if (sl == 0) s[p] = acc;
            m = fmaxf(m, acc);
        }
    }

    m = gg_block_max(m, scratch);
    float sum = 0.0f;
    for (int p = threadIdx.x; p < len; p += blockDim.x)
    {
        const float e = expf(s[p] - m);
        s[p] = e;
        sum += e;
    }

    sum = gg_block_sum(sum, scratch);
    __syncthreads();
    const int groups = blockDim.x / quads;
    const int g = threadIdx.x / quads, d4 = threadIdx.x - g * quads;
    if (g < groups)
    {
        const int cached = vc != 0 ? last : len;
        float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll 4
        for (int p = g; p < cached; p += groups)
        {
            const float4 vv = ((const float4*)(values + (size_t)p * kv_dim))[d4];
            const float w = s[p];
            acc.x += w * vv.x; acc.y += w * vv.y; acc.z += w * vv.z; acc.w += w * vv.w;
        }

        if (vc != 0 && last % groups == g)
        {
            const float4 vv = ((const float4*)vc)[d4];
            const float w = s[last];
            acc.x += w * vv.x; acc.y += w * vv.y; acc.z += w * vv.z; acc.w += w * vv.w;
        }

        ((float4*)part)[threadIdx.x] = acc;
    }

    __syncthreads();
    const float inv = 1.0f / sum;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    {
        float acc = 0.0f;
        for (int j = 0; j < groups; j++) acc += part[j * head_dim + i];
        out[i] = acc * inv;
    }
}

// attention_rows: row t, head h: out[t, h] = softmax(q . K[0..pos] * scale) . V[0..pos], where pos is the row's
// position and K, V are its cache's keys and values of layer `layer`, kv head h / (heads / kv_heads).
// qkv (n, (heads + 2 * kv_heads) * head_dim) f32 (q of head h at column h * head_dim, rotated by rope_store);
// out (n, heads * head_dim) f32; head_dim % 4 == 0 and head_dim <= blockDim.x.
// Launch: grid (n, heads), block 512, dynamic shared memory (4 * head_dim + 4 * 512 + max_positions) floats.
extern "C" __global__ void attention_rows(const float* qkv, const RowParam* rows, float* out,
    int layer, int heads, int kv_heads, int head_dim, float scale)
{
    gg_wait();
    extern __shared__ float shared[];
    __shared__ float scratch[32];
    const int t = blockIdx.x, h = blockIdx.y;
    const RowParam r = rows[t];
    float* q = shared;
    float* part = shared + head_dim;
    float* s = part + 4 * blockDim.x;
    const int width = (heads + 2 * kv_heads) * head_dim;
    const int kv_dim = kv_heads * head_dim;
    const int kvh = h / (heads / kv_heads);
    const float* keys = r.keys + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    const float* values = r.values + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x) q[i] = qkv[(size_t)t * width + h * head_dim + i];
    __syncthreads();
    gg_attend(q, keys, values, 0, 0, r.position + 1, kv_dim, head_dim, scale, part, s, scratch,
        out + (size_t)t * heads * head_dim + h * head_dim);
}

// attention_rope_row: rope_store and attention_rows of a single row (n = 1, the decode step) in one launch. Block h
// adds the bias and rotates its q head and its kv head's new key as rope_store does (the same operations, so the
// same bits); the first block of each kv group writes the key and value into the cache at the row's position, and
// every block takes that position's key and value from its own shared copy, so no block waits for another.
// Prefill rows read keys that other rows of the same pass write, so they keep the two launches.
// Launch: grid (1, heads), block 512, dynamic shared memory (4 * head_dim + 4 * 512 + max_positions) floats.
extern "C" __global__ void attention_rope_row(const float* qkv, const RowParam* rows, const float* inv_freq,
    const float* bias, float* out, int layer, int heads, int kv_heads, int head_dim, float scale, int interleaved)
{
    gg_wait();
    extern __shared__ float shared[];
    __shared__ float scratch[32];
    const int h = blockIdx.y;
    const RowParam r = rows[0];
    float* q = shared;
    float* kc = q + head_dim;
    float* vc = kc + head_dim;
    float* cs = vc + head_dim;
    float* part = cs + head_dim;
    float* s = part + 4 * blockDim.x;
    const int kv_dim = kv_heads * head_dim;
    const int kvh = h / (heads / kv_heads);
    const int half = head_dim / 2;
    const int qo = h * head_dim, ko = heads * head_dim + kvh * head_dim, vo = (heads + kv_heads) * head_dim + kvh * head_dim;
    const float position = (float)r.position;
    for (int i = threadIdx.x; i < half; i += blockDim.x)
    {
        const float angle = position * inv_freq[i];
        cs[i] = (float)cos((double)angle);
        cs[half + i] = (float)sin((double)angle);
    }

    for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    {
        q[i] = bias != 0 ? qkv[qo + i] + bias[qo + i] : qkv[qo + i];
        kc[i] = bias != 0 ? qkv[ko + i] + bias[ko + i] : qkv[ko + i];
        vc[i] = bias != 0 ? qkv[vo + i] + bias[vo + i] : qkv[vo + i];
    }

    __syncthreads();
    for (int p = threadIdx.x; p < head_dim; p += blockDim.x)
    {
        float* head = p < half ? q : kc;
        const int i = p < half ? p : p - half;
        const float c = cs[i], sn = cs[half + i];
        const int a = interleaved ? 2 * i : i;
        const int b = interleaved ? 2 * i + 1 : i + half;
        const float x0 = head[a], x1 = head[b];
        head[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, sn));
        head[b] = __fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, sn));
    }

    __syncthreads();
    const size_t at = ((size_t)layer * r.capacity + r.position) * kv_dim + kvh * head_dim;
    if (h % (heads / kv_heads) == 0)
    {
        for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
        {
            r.keys[at + i] = kc[i];
            r.values[at + i] = vc[i];
        }
    }

    const float* keys = r.keys + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    const float* values = r.values + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    gg_attend(q, keys, values, kc, vc, r.position + 1, kv_dim, head_dim, scale, part, s, scratch, out + (size_t)h * head_dim);
}

// attention.cu: causal grouped-query attention over the KV cache, for decode and prefill rows alike.
#include "gg_common.cuh"

// attention_rows: row t, head h: out[t, h] = softmax(q . K[0..pos] * scale) . V[0..pos], where pos is the row's
// position and K, V are its cache's keys and values of layer `layer`, kv head h / (heads / kv_heads).
// qkv (n, (heads + 2 * kv_heads) * head_dim) f32 (q of head h at column h * head_dim); out (n, heads * head_dim) f32;
// head_dim % 4 == 0 and head_dim <= blockDim.x. Scores: one thread per position (16-byte loads along its key);
// values: blockDim.x / head_dim groups of positions, one thread per dimension, summed at the end.
// Launch: grid (n, heads), block 512, dynamic shared memory (head_dim + max_positions + 512) floats.
extern "C" __global__ void attention_rows(const float* qkv, const RowParam* rows, float* out,
    int layer, int heads, int kv_heads, int head_dim, float scale)
{
    gg_wait();
    extern __shared__ float shared[];
    __shared__ float scratch[32];
    const int t = blockIdx.x, h = blockIdx.y;
    const RowParam r = rows[t];
    const int len = r.position + 1;
    float* q = shared;
    float* part = shared + head_dim;
    float* s = part + blockDim.x;
    const int width = (heads + 2 * kv_heads) * head_dim;
    const int kv_dim = kv_heads * head_dim;
    const int kvh = h / (heads / kv_heads);
    const float* keys = r.keys + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    const float* values = r.values + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x) q[i] = qkv[(size_t)t * width + h * head_dim + i];
    __syncthreads();

    float m = -INFINITY;
    for (int p = threadIdx.x; p < len; p += blockDim.x)
    {
        const float4* k = (const float4*)(keys + (size_t)p * kv_dim);
        float acc = 0.0f;
        for (int i = 0; i < (head_dim >> 2); i++)
        {
            const float4 kk = k[i];
            acc += q[4 * i] * kk.x + q[4 * i + 1] * kk.y + q[4 * i + 2] * kk.z + q[4 * i + 3] * kk.w;
        }

        acc *= scale;
        s[p] = acc;
        m = fmaxf(m, acc);
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
    const int groups = blockDim.x / head_dim;
    const int g = threadIdx.x / head_dim, d = threadIdx.x - g * head_dim;
    if (g < groups)
    {
        float acc = 0.0f;
#pragma unroll 8
        for (int p = g; p < len; p += groups) acc += s[p] * values[(size_t)p * kv_dim + d];
        part[threadIdx.x] = acc;
    }

    __syncthreads();
    const float inv = 1.0f / sum;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    {
        float acc = 0.0f;
        for (int j = 0; j < groups; j++) acc += part[j * head_dim + i];
        out[(size_t)t * heads * head_dim + h * head_dim + i] = acc * inv;
    }
}

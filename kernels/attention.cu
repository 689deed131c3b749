// attention.cu: causal grouped-query attention over the KV cache, for decode and prefill rows alike.
#include "gg_common.cuh"

// attention_rows: row t, head h: out[t, h] = softmax(q . K[0..pos] * scale) . V[0..pos], where pos is the row's
// position and K, V are its cache's keys and values of layer `layer`, kv head h / (heads / kv_heads).
// qkv (n, (heads + 2 * kv_heads) * head_dim) f32 (q of head h at column h * head_dim); out (n, heads * head_dim) f32.
// Launch: grid (n, heads), block 128, dynamic shared memory (head_dim + max_positions) floats.
extern "C" __global__ void attention_rows(const float* qkv, const RowParam* rows, float* out,
    int layer, int heads, int kv_heads, int head_dim, float scale)
{
    extern __shared__ float shared[];
    __shared__ float scratch[32];
    float* q = shared;
    float* s = shared + head_dim;
    const int t = blockIdx.x, h = blockIdx.y;
    const RowParam r = rows[t];
    const int width = (heads + 2 * kv_heads) * head_dim;
    const int kv_dim = kv_heads * head_dim;
    const int kvh = h / (heads / kv_heads);
    const int len = r.position + 1;
    const float* keys = r.keys + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    const float* values = r.values + (size_t)layer * r.capacity * kv_dim + kvh * head_dim;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x) q[i] = qkv[(size_t)t * width + h * head_dim + i];
    __syncthreads();

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int p = warp; p < len; p += warps)
    {
        const float* k = keys + (size_t)p * kv_dim;
        float acc = 0.0f;
        for (int i = lane; i < head_dim; i += 32) acc += q[i] * k[i];
        acc = gg_warp_sum(acc);
        if (lane == 0) s[p] = acc * scale;
    }

    __syncthreads();
    float m = -INFINITY;
    for (int p = threadIdx.x; p < len; p += blockDim.x) m = fmaxf(m, s[p]);
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
    const float inv = 1.0f / sum;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    {
        float acc = 0.0f;
        for (int p = 0; p < len; p++) acc += s[p] * values[(size_t)p * kv_dim + i];
        out[(size_t)t * heads * head_dim + h * head_dim + i] = acc * inv;
    }
}

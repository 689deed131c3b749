// rope.cu: rotary position embeddings on q and k, then the new keys and values into the KV cache.
#include "gg_common.cuh"

// rope_store: for row t, optionally add the q/k/v bias, rotate every q and k head by rows[t].position
// (angle = position * inv_freq[i] in f32 as transformers does; cos/sin in double, rounded to f32 as the CPU
// engine does), and write k and v to layer `layer` of the row's cache at that position.
// qkv (n, (heads + 2 * kv_heads) * head_dim) f32, rotated in place; inv_freq (head_dim / 2) f32;
// bias (width) f32 or null. interleaved = 0: element i pairs with i + head_dim/2 (rotate_half), 1: 2i with 2i+1.
// Launch: grid (n), block 128.
extern "C" __global__ void rope_store(float* qkv, const RowParam* rows, const float* inv_freq, const float* bias,
    int layer, int heads, int kv_heads, int head_dim, int interleaved)
{
    gg_wait();
    const int t = blockIdx.x;
    const int width = (heads + 2 * kv_heads) * head_dim;
    float* row = qkv + (size_t)t * width;
    const RowParam r = rows[t];
    if (bias != 0)
    {
        for (int i = threadIdx.x; i < width; i += blockDim.x) row[i] += bias[i];
        __syncthreads();
    }

    const int half = head_dim / 2;
    const float position = (float)r.position;
    for (int p = threadIdx.x; p < (heads + kv_heads) * half; p += blockDim.x)
    {
        const int h = p / half, i = p - h * half;
        const float angle = position * inv_freq[i];
        const float c = (float)cos((double)angle), s = (float)sin((double)angle);
        float* head = row + h * head_dim;
        const int a = interleaved ? 2 * i : i;
        const int b = interleaved ? 2 * i + 1 : i + half;
        const float x0 = head[a], x1 = head[b];
        head[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        head[b] = __fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, s));
    }

    __syncthreads();
    const int kv_dim = kv_heads * head_dim;
    const size_t at = ((size_t)layer * r.capacity + r.position) * kv_dim;
    for (int i = threadIdx.x; i < kv_dim; i += blockDim.x)
    {
        r.keys[at + i] = row[heads * head_dim + i];
        r.values[at + i] = row[(heads + kv_heads) * head_dim + i];
    }
}

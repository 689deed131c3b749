// rope.cu: rotary position embeddings on q and k, then the new keys and values into the KV cache.
#include "gg_common.cuh"

// rope_store: for row t and head h (blockIdx.y; q heads, then kv heads), optionally add the q/k/v bias, rotate the
// head by rows[t].position (angle = position * inv_freq[i] in f32 as transformers does; cos/sin in double, rounded
// to f32 as the CPU engine does), and for a kv head write its k and v to layer `layer` of the row's cache at that
// position. A block a head, a thread a pair (it was a block a row; in a decode step, rope_store and attention_rows
// as two launches cost 12.5-13 us a layer more than attention.cu's attention_rope_row, and a 512-token prefill took
// the same 40.2 ms either way: runs D, E and G, docs/cuda.md).
// qkv (n, (heads + 2 * kv_heads) * head_dim) f32, rotated in place; inv_freq (head_dim / 2) f32;
// bias (width) f32 or null. interleaved = 0: element i pairs with i + head_dim/2 (rotate_half), 1: 2i with 2i+1.
// Launch: grid (n, heads + kv_heads), block 128.
extern "C" __global__ void rope_store(float* qkv, const RowParam* rows, const float* inv_freq, const float* bias,
    int layer, int heads, int kv_heads, int head_dim, int interleaved)
{
    gg_wait();
    const int t = blockIdx.x, h = blockIdx.y;
    const int width = (heads + 2 * kv_heads) * head_dim;
    float* row = qkv + (size_t)t * width;
    float* head = row + h * head_dim;
    const bool kv = h >= heads;
    float* value = kv ? row + (heads + kv_heads) * head_dim + (h - heads) * head_dim : 0;
    const RowParam r = rows[t];
    if (bias != 0)
    {
        for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
        {
            head[i] += bias[h * head_dim + i];
            if (kv) value[i] += bias[(heads + kv_heads) * head_dim + (h - heads) * head_dim + i];
        }

        __syncthreads();
    }

    const int half = head_dim / 2;
    const float position = (float)r.position;
    for (int i = threadIdx.x; i < half; i += blockDim.x)
    {
        const float angle = position * inv_freq[i];
        const float c = (float)cos((double)angle), s = (float)sin((double)angle);
        const int a = interleaved ? 2 * i : i;
        const int b = interleaved ? 2 * i + 1 : i + half;
        const float x0 = head[a], x1 = head[b];
        head[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        head[b] = __fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, s));
    }

    if (!kv) return;
    __syncthreads();
    const int kv_dim = kv_heads * head_dim;
    const size_t at = ((size_t)layer * r.capacity + r.position) * kv_dim + (h - heads) * head_dim;
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x)
    {
        r.keys[at + i] = head[i];
        r.values[at + i] = value[i];
    }
}

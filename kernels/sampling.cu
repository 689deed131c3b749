// sampling.cu: helpers that keep the vocabulary on the GPU when only a choice is needed.
#include "gg_common.cuh"

// argmax_rows: out[t] = the index of the largest logit of row t (the lowest index among equals: greedy decoding).
// logits (n, vocab) f32; out (n) int. Launch: grid (n), block 256.
extern "C" __global__ void argmax_rows(const float* logits, int* out, int vocab)
{
    gg_wait();
    __shared__ float best_value[256];
    __shared__ int best_index[256];
    const float* row = logits + (size_t)blockIdx.x * vocab;
    float bv = -INFINITY;
    int bi = 0x7fffffff;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x)
    {
        const float v = row[i];
        if (v > bv || (v == bv && i < bi)) { bv = v; bi = i; }
    }

    best_value[threadIdx.x] = bv;
    best_index[threadIdx.x] = bi;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1)
    {
        if (threadIdx.x < stride)
        {
            const float ov = best_value[threadIdx.x + stride];
            const int oi = best_index[threadIdx.x + stride];
            if (ov > best_value[threadIdx.x] || (ov == best_value[threadIdx.x] && oi < best_index[threadIdx.x]))
            {
                best_value[threadIdx.x] = ov;
                best_index[threadIdx.x] = oi;
            }
        }
        __syncthreads();
    }

    if (threadIdx.x == 0) out[blockIdx.x] = best_index[0];
}

// embedding.cu: token embedding gather.
#include "gg_common.cuh"

// embed_f16: x[t, :] = embedding[rows[t].token, :] widened to f32.
// embedding (vocab, dim) f16; rows (n); x (n, dim) f32. Launch: grid (n), block 256.
extern "C" __global__ void embed_f16(const unsigned short* embedding, const RowParam* rows, float* x, int dim)
{
    gg_wait();
    const int t = blockIdx.x;
    const unsigned short* e = embedding + (size_t)rows[t].token * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) x[(size_t)t * dim + i] = gg_half(e[i]);
}

// embed_i8: x[t, :] = q[token, :] * scale[token, group]: weight-only int8, groups of 32 along the row.
// q (vocab, dim) int8; scales (vocab, dim / 32) f32; x (n, dim) f32. Launch: grid (n), block 256.
extern "C" __global__ void embed_i8(const signed char* q, const float* scales, const RowParam* rows, float* x, int dim)
{
    gg_wait();
    const int t = blockIdx.x;
    const size_t row = (size_t)rows[t].token;
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
        x[(size_t)t * dim + i] = (float)q[row * dim + i] * scales[row * (dim / 32) + i / 32];
}

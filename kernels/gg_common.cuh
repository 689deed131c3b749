// gg_common.cuh: what every kernel file shares (NVRTC sees it as an include given with the program).
// RowParam is one row of a forward pass: a token of some sequence at some position, and where that sequence's
// KV cache lives: keys/values (layers, capacity, kv_dim) f32. C# writes these as 32-byte records
// (GreenGateway.Inference.Cuda.Model.RowParam); the layouts must match.
#pragma once

#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif

struct RowParam
{
    int token;
    int position;
    int capacity;
    int pad;
    float* keys;
    float* values;
};

// First statement of every kernel: under programmatic dependent launch (CudaOptions.ProgrammaticLaunch) a kernel
// may start while the one before it is still running; this waits until that one has finished and its writes are
// visible, then lets the next kernel start launching. Without that launch mode both are no-ops.
__device__ __forceinline__ void gg_wait()
{
#if __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;");
#endif
}

// f16 bits to f32 without cuda_fp16.h (exact: every f16 is an f32).
__device__ __forceinline__ float gg_half(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

__device__ __forceinline__ float gg_warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float gg_warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float gg_block_sum(float v, float* scratch32)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = gg_warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch32[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch32[lane] : 0.0f;
    return gg_warp_sum(v);
}

__device__ __forceinline__ float gg_block_max(float v, float* scratch32)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = gg_warp_max(v);
    __syncthreads();
    if (lane == 0) scratch32[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch32[lane] : -INFINITY;
    return gg_warp_max(v);
}

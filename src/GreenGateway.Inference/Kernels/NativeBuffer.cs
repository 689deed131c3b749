using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Kernels;

/// <summary>64-byte aligned unmanaged memory for weights, so large arrays stay off the GC heap.</summary>
internal sealed unsafe class NativeBuffer<T> : IDisposable
    where T : unmanaged
{
    private T* _pointer;

    public NativeBuffer(long length)
    {
        Length = length;
        _pointer = (T*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, length) * sizeof(T)), 64);
    }

    public long Length { get; }

    public T* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(NativeBuffer<T>));

    public Span<T> Span => new(Pointer, checked((int)Length));

    public void Dispose()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}

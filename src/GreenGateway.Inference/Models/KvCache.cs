using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GreenGateway.Inference.Models;

/// <summary>
/// The keys and values of one sequence, per layer (capacity, kv_dim), with the tokens they came from, so that
/// a caller can keep a shared prefix and continue from it (<see cref="Truncate"/>). The CPU engine holds them in
/// pinned arrays; another backend (CUDA) keeps them in its own <see cref="Storage"/> and leaves the arrays empty.
/// </summary>
public sealed class KvCache
{
    private readonly List<int> _tokens = [];
    private readonly int _layers;

    internal KvCache(int layers, int kvDim, int capacity)
    {
        _layers = layers;
        Capacity = capacity;
        KvDim = kvDim;
        Keys = new float[layers][];
        Values = new float[layers][];
        for (var i = 0; i < layers; i++)
        {
            Keys[i] = GC.AllocateUninitializedArray<float>(capacity * kvDim, pinned: true);
            Values[i] = GC.AllocateUninitializedArray<float>(capacity * kvDim, pinned: true);
        }
    }

    /// <summary>A cache whose keys and values live in a backend's own memory (a GPU's); no host arrays are allocated.</summary>
    /// <param name="storage">The backend's keys and values; disposed by <see cref="ReleaseStorage"/>.</param>
    public KvCache(ModelConfig config, int capacity, IDisposable storage)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        KvDim = config.KvDim;
        Keys = [];
        Values = [];
        Storage = storage;
        _layers = config.NumLayers;
    }

    /// <summary>The backend's memory for keys and values, or null where they are the host arrays of the CPU engine.</summary>
    public IDisposable? Storage { get; }

    /// <summary>Most positions this cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Positions filled so far.</summary>
    public int Length => _tokens.Count;

    /// <summary>The tokens whose keys and values are held, in order.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Bytes the cache takes.</summary>
    public long ByteSize => 2L * _layers * Capacity * KvDim * sizeof(float);

    internal int KvDim { get; }

    internal float[][] Keys { get; }

    internal float[][] Values { get; }

    /// <summary>Bytes a cache of this shape takes, to budget before allocating.</summary>
    public static long BytesFor(ModelConfig config, int capacity) => 2L * config.NumLayers * capacity * config.KvDim * sizeof(float);

    /// <summary>Forgets every position from <paramref name="length"/> on, keeping the prefix before it.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        _tokens.RemoveRange(length, _tokens.Count - length);
    }

    /// <summary>Length of the common prefix of the held tokens and <paramref name="tokens"/>.</summary>
    public int CommonPrefixLength(ReadOnlySpan<int> tokens)
    {
        var n = Math.Min(tokens.Length, _tokens.Count);
        var i = 0;
        while (i < n && _tokens[i] == tokens[i])
        {
            i++;
        }

        return i;
    }

    /// <summary>Address of layer <paramref name="layer"/>'s keys; the arrays are pinned, so it stays valid.</summary>
    internal unsafe nint KeysAddress(int layer) =>
        (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Keys[layer]));

    internal unsafe nint ValuesAddress(int layer) =>
        (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Values[layer]));

    /// <summary>Frees <see cref="Storage"/> (device memory) once the cache is no longer used; host arrays are left to the GC.</summary>
    public void ReleaseStorage() => Storage?.Dispose();

    /// <summary>Records that the keys and values of <paramref name="tokens"/> were written (by a backend's forward pass).</summary>
    public void Append(ReadOnlySpan<int> tokens)
    {
        foreach (var t in tokens)
        {
            _tokens.Add(t);
        }
    }
}

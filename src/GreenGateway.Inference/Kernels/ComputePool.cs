using System.Runtime.ExceptionServices;

namespace GreenGateway.Inference.Kernels;

/// <summary>A piece of work split over an index range, run by <see cref="ComputePool"/>.</summary>
internal interface IRangeWork
{
    void Run(int start, int end);
}

/// <summary>
/// A fixed set of worker threads for kernels. One kernel call splits [0, count) into one contiguous chunk per
/// thread; the caller runs chunk 0 and spins until the others finish. Dedicated threads (not the .NET pool)
/// keep per-kernel dispatch at a few microseconds, which matters at decode where a token is ~7 calls a layer.
/// Not reentrant: callers serialize (the model runs one forward pass at a time).
/// </summary>
internal sealed class ComputePool : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private IRangeWork? _work;
    private int _count;
    private int _pending;
    private volatile bool _stopping;
    private Exception? _failure;

    public ComputePool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _workers = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        for (var i = 0; i < _workers.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(static s => ((WorkerState)s!).Pool.WorkerLoop(((WorkerState)s!).Index))
            {
                IsBackground = true,
                Name = $"GreenGateway.Inference worker {i + 1}",
            };
            _workers[i].Start(new WorkerState(this, i));
        }
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/> over [0, count); small ranges stay on the calling thread.</summary>
    public void Run(IRangeWork work, int count, int minPerThread = 1)
    {
        if (Threads == 1 || count < 2 * minPerThread)
        {
            work.Run(0, count);
            return;
        }

        _work = work;
        _count = count;
        _failure = null;
        Volatile.Write(ref _pending, _workers.Length);
        foreach (var start in _start)
        {
            start.Release();
        }

        work.Run(0, ChunkEnd(0, count));
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) > 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        _work = null;
        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var start in _start)
        {
            start.Release();
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }

        foreach (var start in _start)
        {
            start.Dispose();
        }
    }

    private int ChunkEnd(int chunk, int count) => (int)((long)count * (chunk + 1) / Threads);

    private void WorkerLoop(int index)
    {
        var chunk = index + 1;
        while (true)
        {
            _start[index].Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _work!.Run(ChunkEnd(chunk - 1, _count), ChunkEnd(chunk, _count));
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private sealed record WorkerState(ComputePool Pool, int Index);
}

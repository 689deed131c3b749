using System.Runtime.ExceptionServices;

namespace GreenGateway.Inference.Kernels;

/// <summary>A piece of work split over an index range, run by <see cref="ComputePool"/>.</summary>
internal interface IRangeWork
{
    void Run(int start, int end);
}

/// <summary>
/// A fixed set of worker threads for kernels. One call splits [0, count) into a few chunks per thread; the caller
/// and the woken workers claim chunks from a shared counter until none are left, and the call returns once every
/// chunk is done. A worker that the OS has not scheduled yet (the cores are shared with the web server) therefore
/// delays nothing: the others take its chunks. Dedicated threads keep dispatch at a few microseconds, which
/// matters at decode where a token is ~7 calls a layer. Not reentrant: callers serialize.
/// </summary>
internal sealed class ComputePool : IDisposable
{
    private const int ChunksPerThread = 4;

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _wake;
    private IRangeWork? _work;
    private int _count;
    private int _chunks;
    private long _state; // job number (high 32 bits) and next unclaimed chunk (low 32 bits)
    private int _completed;
    private volatile bool _stopping;
    private Exception? _failure;

    public ComputePool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _workers = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        for (var i = 0; i < _workers.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(static s => ((WorkerState)s!).Pool.WorkerLoop(((WorkerState)s!).Index))
            {
                IsBackground = true,
                Name = $"GreenGateway.Inference worker {i + 1}",
            };
            _workers[i].Start(new WorkerState(this, i));
        }
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/> over [0, count), in chunks of at least <paramref name="minPerChunk"/>.</summary>
    public void Run(IRangeWork work, int count, int minPerChunk = 1)
    {
        var chunks = Math.Min(Threads * ChunksPerThread, count / Math.Max(1, minPerChunk));
        if (Threads == 1 || chunks < 2)
        {
            work.Run(0, count);
            return;
        }

        // Close the previous job before changing _chunks: a late worker holding the previous state could otherwise
        // compare its spent chunk index with the new, larger _chunks, claim it, and count a completion of this job
        // that never ran (seen with 16 threads: Run returned early and a chunk then read _work as null). The closed
        // state's chunk index, int.MaxValue, is at least any chunk count, so nobody claims from it.
        var job = (Volatile.Read(ref _state) >> 32) + 1;
        Volatile.Write(ref _state, (job << 32) | int.MaxValue);
        _work = work;
        _count = count;
        _chunks = chunks;
        _failure = null;
        Volatile.Write(ref _completed, 0);
        Volatile.Write(ref _state, job << 32);
        foreach (var wake in _wake)
        {
            wake.Release();
        }

        RunChunks(job);
        var spin = new SpinWait();
        while (Volatile.Read(ref _completed) < chunks)
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
        foreach (var wake in _wake)
        {
            wake.Release();
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }

        foreach (var wake in _wake)
        {
            wake.Dispose();
        }
    }

    /// <summary>Claims and runs chunks of job <paramref name="job"/> until none are left.</summary>
    private void RunChunks(long job)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            var chunk = (int)(state & 0xFFFF_FFFF);
            if (state >> 32 != job || chunk >= _chunks)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state)
            {
                continue;
            }

            try
            {
                _work!.Run((int)((long)_count * chunk / _chunks), (int)((long)_count * (chunk + 1) / _chunks));
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                Interlocked.Increment(ref _completed);
            }
        }
    }

    private void WorkerLoop(int index)
    {
        while (true)
        {
            _wake[index].Wait();
            if (_stopping)
            {
                return;
            }

            RunChunks(Volatile.Read(ref _state) >> 32);
        }
    }

    private sealed record WorkerState(ComputePool Pool, int Index);
}

using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Tests.Kernels;

public sealed class ComputePoolTests
{
    [Fact]
    public void Run_TwoThreads_CoversEveryIndexOnceAndRethrowsFailures()
    {
        using var pool = new ComputePool(2);
        var work = new CountingWork(1000);

        pool.Run(work, 1000);

        Assert.All(work.Hits, static h => Assert.Equal(1, h));
        Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingWork(), 100));
        pool.Run(work, 1000);
        Assert.All(work.Hits, static h => Assert.Equal(2, h));
    }

    [Fact]
    public void Run_FewChunksThenManyChunks_LateWorkersNeverCountAChunkOfTheNextCall()
    {
        // A late worker of a 2-chunk call once claimed a spent chunk against the next call's larger chunk count.
        using var pool = new ComputePool(16);
        for (var call = 0; call < 5000; call++)
        {
            var count = call % 2 == 0 ? 2 : 1000;
            var work = new CountingWork(count);
            pool.Run(work, count);
            Assert.All(work.Hits, static h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Run_ManyCallsWithMoreThreadsThanCores_EveryCallCoversItsRangeExactlyOnce()
    {
        using var pool = new ComputePool(Environment.ProcessorCount + 2);
        var rng = new Random(5);

        for (var call = 0; call < 2000; call++)
        {
            var count = rng.Next(1, 300);
            var work = new CountingWork(count);
            pool.Run(work, count, minPerChunk: rng.Next(1, 8));
            Assert.All(work.Hits, static h => Assert.Equal(1, h));
        }
    }

    private sealed class CountingWork(int n) : IRangeWork
    {
        public int[] Hits { get; } = new int[n];

        public void Run(int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                Interlocked.Increment(ref Hits[i]);
            }
        }
    }

    private sealed class FailingWork : IRangeWork
    {
        public void Run(int start, int end)
        {
            if (start > 0)
            {
                throw new InvalidOperationException("worker failed");
            }
        }
    }
}

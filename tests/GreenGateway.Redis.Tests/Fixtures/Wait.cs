using System.Diagnostics;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>Polls a condition with a generous deadline (CI machines are small and busy); a condition never met fails the test.</summary>
internal static class Wait
{
    public static Task UntilAsync(Func<bool> condition, int seconds = 60) =>
        UntilAsync(() => Task.FromResult(condition()), seconds);

    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"condition not met within {seconds} s");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}

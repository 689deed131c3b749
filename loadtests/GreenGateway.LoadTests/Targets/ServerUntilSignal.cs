using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;

namespace GreenGateway.LoadTests.Targets;

/// <summary>A server run as its own process by the harness or a script: runs until SIGTERM or SIGINT, then stops.</summary>
internal sealed class ServerUntilSignal(IAsyncDisposable server) : IAsyncDisposable
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<IAsyncDisposable> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new StoppedOnDispose(app);
    }

    public async Task WaitAsync()
    {
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await _stopped.Task;
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stopped.TrySetResult();
    }

    private sealed class StoppedOnDispose(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

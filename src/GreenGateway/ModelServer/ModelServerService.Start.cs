using System.Diagnostics;

namespace GreenGateway.ModelServer;

public sealed partial class ModelServerService
{
    private ProcessStartInfo ChildStartInfo(string[] args)
    {
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var entry = _options.Executable ?? Path.Combine(AppContext.BaseDirectory, "GreenGateway.ModelHost.dll");
        if (File.Exists(entry) && entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            info.FileName = dotnet;
            info.ArgumentList.Add(entry);
        }
        else if (_options.Executable is not null)
        {
            info.FileName = _options.Executable;
        }
        else
        {
            info.FileName = dotnet;
            foreach (var a in (string[])["run", "-c", "Release", "--no-launch-profile", "--project", Path.Combine(_contentRoot, "src", "GreenGateway.ModelHost"), "--"])
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private async Task WaitUntilHealthyAsync(CancellationToken ct)
    {
        using var client = _http.CreateClient(nameof(ModelServerService));
        client.Timeout = TimeSpan.FromSeconds(2);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(_options.StartTimeoutSeconds * (double)TimeProvider.System.TimestampFrequency);
        while (true)
        {
            if (_child is { HasExited: true })
            {
                throw new InvalidOperationException($"the model host exited with code {_child.ExitCode} before it was ready (see the ModelServer log lines).");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "/health"), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // a 2 s probe timed out
            }

            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"the model host did not answer {BaseAddress}health within {_options.StartTimeoutSeconds} s.");
            }

            await Task.Delay(250, ct);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Model host ({Mode}) serving {Model} at {Address}")]
        public static partial void Started(ILogger logger, string mode, string model, Uri address);

        [LoggerMessage(EventId = 4103, Level = LogLevel.Error,
            Message = "Model host ({Mode}) for {Model} could not start at {Address}; the gateway runs on, and its upstream stays unhealthy")]
        public static partial void StartFailed(ILogger logger, string mode, string model, Uri address, Exception exception);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "model host: {Line}")]
        public static partial void ChildOutput(ILogger logger, string line);
    }
}

using System.Diagnostics;
using System.Globalization;

namespace GreenGateway.ModelServer;

/// <summary>
/// Starts the project's model host with the gateway, so that the default upstream (http://127.0.0.1:Port/v1) has a
/// real model behind it: in this process (a second Kestrel server) or as a child process, and stops it with the
/// gateway. Start-up waits for the model host's /health, so the first request finds the weights loaded.
/// </summary>
public sealed partial class ModelServerService : IHostedService, IAsyncDisposable
{
    private readonly ModelServerOptions _options;
    private readonly string _contentRoot;
    private readonly InProcessModelHostFactory? _factory;
    private readonly IHttpClientFactory _http;
    private readonly ILogger<ModelServerService> _log;
    private WebApplication? _inProcess;
    private Process? _child;

    private readonly Func<CancellationToken, Task>? _onReady;

    /// <param name="onReady">Run once the model host answers (the gateway re-runs its upstream health checks, which may have
    /// found the port closed while the weights were loading).</param>
    public ModelServerService(ModelServerOptions options, IHostEnvironment environment, IHttpClientFactory http,
        ILogger<ModelServerService> log, InProcessModelHostFactory? factory = null, Func<CancellationToken, Task>? onReady = null)
    {
        _onReady = onReady;
        _options = options;
        _contentRoot = environment.ContentRootPath;
        _factory = factory;
        _http = http;
        _log = log;
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{_options.Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Starts the model host and waits for its /health. A model host that cannot start is logged and never stops the
    /// gateway: its upstream is then unhealthy, which /readyz reports, and requests get 502.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.IsOff)
        {
            return;
        }

        var model = Path.GetFullPath(_options.Model, _contentRoot);
        try
        {
            await StartModelHostAsync(model, cancellationToken);
            Log.Started(_log, _options.Mode, model, BaseAddress);
            if (_onReady is not null)
            {
                await _onReady(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StartFailed(_log, _options.Mode, model, BaseAddress, e);
        }
    }

    private async Task StartModelHostAsync(string model, CancellationToken cancellationToken)
    {
        string[] args = _options.WattsPerCore is { } watts
            ? ["--model", model, "--urls", BaseAddress.ToString().TrimEnd('/'), $"--ModelHost:WattsPerCore={watts.ToString(CultureInfo.InvariantCulture)}"]
            : ["--model", model, "--urls", BaseAddress.ToString().TrimEnd('/')];
        if (_options.Mode == "in-process")
        {
            if (_factory is null)
            {
                throw new InvalidOperationException("ModelServer.Mode is 'in-process' but no InProcessModelHostFactory is registered " +
                    "(the host registers GreenGateway.ModelHost.ModelHostApp.Build); use 'child-process' or 'off'.");
            }

            _inProcess = _factory(args, new Dictionary<string, string?> { ["ModelHost:ApiKey"] = _options.ApiKey });
            await _inProcess.StartAsync(cancellationToken);
        }
        else
        {
            var info = ChildStartInfo(args);
            if (_options.ApiKey is { } key)
            {
                // In the environment, not the arguments: a process list shows arguments to every user.
                info.Environment["GG_MODEL_HOST_API_KEY"] = key;
            }

            _child = Process.Start(info) ?? throw new InvalidOperationException("the model host process did not start.");
            _child.OutputDataReceived += (_, e) => Forward(e.Data);
            _child.ErrorDataReceived += (_, e) => Forward(e.Data);
            _child.BeginOutputReadLine();
            _child.BeginErrorReadLine();
        }

        await WaitUntilHealthyAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_inProcess is not null)
        {
            try
            {
                await _inProcess.StopAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // It never started (its port was taken): nothing to stop.
            }
        }

        if (_child is { HasExited: false })
        {
            _child.Kill(entireProcessTree: true);
            await _child.WaitForExitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_inProcess is not null)
        {
            await _inProcess.DisposeAsync();
        }

        _child?.Dispose();
    }

    private void Forward(string? line)
    {
        if (line is not null)
        {
            Log.ChildOutput(_log, line);
        }
    }
}

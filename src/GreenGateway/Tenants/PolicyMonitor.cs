using GreenGateway.Configuration;
using GreenGateway.Core.Policies;
using Microsoft.Extensions.Options;

namespace GreenGateway.Tenants;

/// <summary>
/// Holds the current <see cref="PolicySet"/> and reloads it when a file in <c>policies/</c> changes.
/// A reload swaps one reference: requests in flight keep the set they started with, and a set with
/// errors never replaces a good one (the errors are logged, all of them).
/// </summary>
internal sealed partial class PolicyMonitor : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);
    private readonly ILogger<PolicyMonitor> _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _timer;
    private readonly Lock _reloadLock = new();
    private volatile PolicySet _current;

    public PolicyMonitor(IOptions<GatewayConfig> config, IHostEnvironment environment, ILogger<PolicyMonitor> logger)
    {
        _logger = logger;
        Directory = Path.GetFullPath(Path.Combine(environment.ContentRootPath, config.Value.Gateway.PoliciesPath));
        var first = PolicyParser.LoadDirectory(Directory);
        if (!first.Succeeded)
        {
            throw new InvalidOperationException($"The policies in {Directory} are not valid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", first.Errors));
        }

        _current = first.Policies!;
        _timer = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(Directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        Log.Loaded(_logger, _current.Tenants.Count, Directory);
    }

    public string Directory { get; }

    public PolicySet Current => _current;

    /// <summary>Reads the folder again now; returns the errors, if any (then the current set stays).</summary>
    public IReadOnlyList<string> Reload()
    {
        lock (_reloadLock)
        {
            var result = PolicyParser.LoadDirectory(Directory);
            if (!result.Succeeded)
            {
                Log.Rejected(_logger, Directory, result.Errors.Count, string.Join(" | ", result.Errors));
                return result.Errors;
            }

            _current = result.Policies!;
            Log.Loaded(_logger, _current.Tenants.Count, Directory);
            return [];
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _timer.Dispose();
    }

    // Editors write a file in several steps; wait until it has been quiet for a moment.
    private void OnChanged(object sender, FileSystemEventArgs e) => _timer.Change(Debounce, Timeout.InfiniteTimeSpan);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Loaded {Count} tenant policies from {Directory}")]
        public static partial void Loaded(ILogger logger, int count, string directory);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Kept the current policies: the files in {Directory} have {Count} errors: {Errors}")]
        public static partial void Rejected(ILogger logger, string directory, int count, string errors);
    }
}

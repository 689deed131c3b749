namespace GreenGateway.Redis.Budgets;

/// <summary>What the ledger does when Redis cannot be reached.</summary>
public enum LedgerFailMode
{
    /// <summary>
    /// Admit against a local slice of each limit (<see cref="RedisBudgetLedgerOptions.LocalSliceFraction"/>),
    /// journal every charge in memory, and replay the journal to Redis when it returns. No charge is lost
    /// while the process lives; the budget may be overrun by at most one slice per replica per outage.
    /// </summary>
    FailOpen,

    /// <summary>Refuse: <see cref="BudgetLedgerUnavailableException"/>, which the host answers with 503.</summary>
    FailClosed,
}

/// <summary>Options of <see cref="RedisBudgetLedger"/>.</summary>
public sealed record RedisBudgetLedgerOptions
{
    /// <summary>Behaviour while Redis is unreachable. Default <see cref="LedgerFailMode.FailOpen"/>.</summary>
    public LedgerFailMode FailMode { get; init; } = LedgerFailMode.FailOpen;

    /// <summary>
    /// Share of each limit one replica may admit on its own during an outage, in (0, 1]. Default 0.1; set it to
    /// about 1 / replicas so that all replicas together stay within the budget.
    /// </summary>
    public double LocalSliceFraction { get; init; } = 0.1;

    /// <summary>Prefix of every key. Default "gg:budget".</summary>
    public string KeyPrefix { get; init; } = "gg:budget";

    /// <summary>How long a window's key outlives the window, for late settles. Default 1 hour.</summary>
    public TimeSpan KeyGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the journal is retried while it holds charges. Default 1 s.</summary>
    public TimeSpan ReplayInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A file that mirrors the journal, so that charges made during an outage survive a restart of the gateway
    /// (they are replayed by the next ledger opened on the same file). One file per replica. Default null: memory only.
    /// </summary>
    public string? JournalPath { get; init; }

    /// <summary>Reads the configuration spelling: "fail-open" or "fail-closed" (case-insensitive; "FailOpen" and "FailClosed" too).</summary>
    /// <exception cref="FormatException">Neither.</exception>
    public static LedgerFailMode ParseFailMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fail-open" or "failopen" => LedgerFailMode.FailOpen,
        "fail-closed" or "failclosed" => LedgerFailMode.FailClosed,
        _ => throw new FormatException($"Redis fail mode '{text}' is neither 'fail-open' nor 'fail-closed'."),
    };

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (LocalSliceFraction is <= 0 or > 1 || double.IsNaN(LocalSliceFraction))
        {
            errors.Add($"LocalSliceFraction {LocalSliceFraction} is outside (0, 1].");
        }

        if (string.IsNullOrWhiteSpace(KeyPrefix))
        {
            errors.Add("KeyPrefix is required.");
        }

        if (KeyGrace < TimeSpan.Zero)
        {
            errors.Add("KeyGrace is negative.");
        }

        if (ReplayInterval <= TimeSpan.Zero)
        {
            errors.Add("ReplayInterval must be positive.");
        }

        return errors;
    }
}

/// <summary>The ledger's store is unreachable and the ledger is configured fail-closed: answer 503.</summary>
public sealed class BudgetLedgerUnavailableException(string message, Exception? inner) : Exception(message, inner);

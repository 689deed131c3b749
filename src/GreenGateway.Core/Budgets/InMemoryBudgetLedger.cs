namespace GreenGateway.Core.Budgets;

/// <summary>
/// The embedded ledger: one process, no Redis. All state changes happen under one lock, which is
/// cheap next to an upstream call and makes reserve-check-and-add atomic as the contract requires.
/// Windows that have ended are dropped lazily, so memory stays bounded by tenants x 4 windows.
/// </summary>
public sealed class InMemoryBudgetLedger : IBudgetLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Tenant, string WindowId), Entry> _entries = [];

    // Settled request ids, kept until the longest window they could affect has passed.
    private readonly Dictionary<string, DateTimeOffset> _settled = [];

    // Request ids holding a reservation, so that a retried reserve is admitted without reserving twice (as the Redis
    // ledger's reservation key does); removed when settled, or with the month window they were made in.
    private readonly Dictionary<string, DateTimeOffset> _open = [];
    private DateTimeOffset _nextEviction;

    public ValueTask<ReserveOutcome> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Evict(request.Now);
            if (_open.ContainsKey(request.RequestId))
            {
                return ValueTask.FromResult(ReserveOutcome.Admit(new Reservation(request.TenantId, request.RequestId, request.Estimate, request.Now)));
            }

            WindowSpan? spent = null;
            foreach (var limit in request.Limits)
            {
                var span = WindowSpan.Containing(limit.Window, request.Now);
                var entry = Get(request.TenantId, span);

                // Of several spent windows the one that resets last decides when a retry can succeed.
                if (limit.IsSpent(entry.Consumed + entry.Reserved) && (spent is null || span.End > spent.Value.End))
                {
                    spent = span;
                }
            }

            if (spent is { } refused)
            {
                return ValueTask.FromResult(ReserveOutcome.Refuse(refused));
            }

            foreach (var window in WindowSpan.All)
            {
                var entry = Get(request.TenantId, WindowSpan.Containing(window, request.Now));
                entry.Reserved += request.Estimate;
            }

            _open[request.RequestId] = WindowSpan.Containing(BudgetWindow.Month, request.Now).End;

            var reservation = new Reservation(request.TenantId, request.RequestId, request.Estimate, request.Now);
            return ValueTask.FromResult(ReserveOutcome.Admit(reservation));
        }
    }

    public ValueTask SettleAsync(Reservation reservation, EnergyCarbon actual, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_settled.TryAdd(reservation.RequestId, WindowSpan.Containing(BudgetWindow.Month, reservation.ReservedAt).End))
            {
                return ValueTask.CompletedTask;
            }

            _open.Remove(reservation.RequestId);
            foreach (var window in WindowSpan.All)
            {
                var entry = Get(reservation.TenantId, WindowSpan.Containing(window, reservation.ReservedAt));
                entry.Reserved = (entry.Reserved - reservation.Amount).AtLeastZero();
                entry.Consumed += actual.AtLeastZero();
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<WindowUsage>> GetUsageAsync(string tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = new WindowUsage[WindowSpan.All.Count];
        lock (_lock)
        {
            for (var i = 0; i < result.Length; i++)
            {
                var span = WindowSpan.Containing(WindowSpan.All[i], now);
                result[i] = _entries.TryGetValue((tenantId, span.Id), out var entry)
                    ? new WindowUsage(span, entry.Consumed, entry.Reserved)
                    : new WindowUsage(span, EnergyCarbon.Zero, EnergyCarbon.Zero);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<WindowUsage>>(result);
    }

    private Entry Get(string tenant, WindowSpan span)
    {
        if (!_entries.TryGetValue((tenant, span.Id), out var entry))
        {
            entry = new Entry(span.End);
            _entries[(tenant, span.Id)] = entry;
        }

        return entry;
    }

    private void Evict(DateTimeOffset now)
    {
        if (now < _nextEviction)
        {
            return;
        }

        var cutoff = now;
        _nextEviction = now.AddMinutes(1);
        foreach (var (key, entry) in _entries)
        {
            if (entry.End < cutoff)
            {
                _entries.Remove(key);
            }
        }

        foreach (var (id, until) in _settled)
        {
            if (until < cutoff)
            {
                _settled.Remove(id);
            }
        }

        foreach (var (id, until) in _open)
        {
            if (until < cutoff)
            {
                _open.Remove(id);
            }
        }
    }

    private sealed class Entry(DateTimeOffset end)
    {
        public DateTimeOffset End { get; } = end;

        public EnergyCarbon Consumed { get; set; }

        public EnergyCarbon Reserved { get; set; }
    }
}

namespace GreenGateway.Redis.Budgets;

/// <summary>
/// The ledger's two atomic steps. Each runs on one tenant's keys, which share a hash tag and so one
/// cluster slot. Window hashes hold cj/cg (consumed joules, grams) and rj/rg (reserved). Numbers are
/// written with fixed decimals: HINCRBYFLOAT and Lua's tonumber both read them on Redis and Garnet.
/// StackExchange.Redis runs them by SHA-1 (EVALSHA) once the server has them, and sends EVAL again when the server
/// answers NOSCRIPT (after a restart, a failover or SCRIPT FLUSH), on the node that owns the keys.
/// </summary>
internal static class LedgerScripts
{
    /// <summary>
    /// KEYS: minute, hour, day, month hashes; reservation key; settled marker. ARGV: estimate j, g; TTL ms of each
    /// window and of the reservation; then per window its joule and gram limit ('' = none).
    /// ARGV 16-19: the order in which to check windows (1-based indices), computed by the caller so that the first
    /// spent one found is the one that resets last, ties going to the limit listed first, exactly as
    /// <see cref="GreenGateway.Core.Budgets.InMemoryBudgetLedger"/> and <see cref="GreenGateway.Core.Budgets.ReserveOutcome"/> have it.
    /// Returns {1, 0} admitted, {1, -1} already admitted (retried reserve), {1, -2} already settled (a reserve that
    /// arrives after its request's settle, e.g. sent again by the client library after a reconnect: reserving then
    /// would hold the estimate in every window until the window ends, with no settle left to release it), {0, i}
    /// refused by window i (1-based).
    /// </summary>
    public const string Reserve = """
        if redis.call('EXISTS', KEYS[5]) == 1 then return {1, -1} end
        if redis.call('EXISTS', KEYS[6]) == 1 then return {1, -2} end
        for n = 16, 19 do
          local i = tonumber(ARGV[n])
          local lj = ARGV[6 + 2 * i]
          local lg = ARGV[7 + 2 * i]
          if lj ~= '' or lg ~= '' then
            local v = redis.call('HMGET', KEYS[i], 'cj', 'rj', 'cg', 'rg')
            local uj = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
            local ug = (tonumber(v[3]) or 0) + (tonumber(v[4]) or 0)
            if (lj ~= '' and uj >= tonumber(lj)) or (lg ~= '' and ug >= tonumber(lg)) then return {0, i} end
          end
        end
        for i = 1, 4 do
          redis.call('HINCRBYFLOAT', KEYS[i], 'rj', ARGV[1])
          redis.call('HINCRBYFLOAT', KEYS[i], 'rg', ARGV[2])
          redis.call('PEXPIRE', KEYS[i], ARGV[2 + i])
        end
        redis.call('SET', KEYS[5], ARGV[1] .. ' ' .. ARGV[2], 'PX', ARGV[7])
        return {1, 0}
        """;

    /// <summary>
    /// KEYS: minute, hour, day, month hashes of the reservation's time; reservation key; settled marker.
    /// ARGV: actual j, g; reserved j, g; TTL ms of each window and of the marker. The reservation is released
    /// only when its key exists: a request admitted locally while Redis was away has none, and one whose
    /// reserve reached Redis but whose reply was lost has one, and both settle correctly.
    /// Returns 1 when applied, 0 when this request id was settled before.
    /// </summary>
    public const string Settle = """
        if redis.call('EXISTS', KEYS[6]) == 1 then return 0 end
        local release = redis.call('EXISTS', KEYS[5]) == 1
        for i = 1, 4 do
          if release then
            local v = redis.call('HMGET', KEYS[i], 'rj', 'rg')
            local rj = (tonumber(v[1]) or 0) - tonumber(ARGV[3])
            local rg = (tonumber(v[2]) or 0) - tonumber(ARGV[4])
            if rj < 1e-9 then rj = 0 end
            if rg < 1e-9 then rg = 0 end
            redis.call('HSET', KEYS[i], 'rj', string.format('%.9f', rj), 'rg', string.format('%.9f', rg))
          end
          redis.call('HINCRBYFLOAT', KEYS[i], 'cj', ARGV[1])
          redis.call('HINCRBYFLOAT', KEYS[i], 'cg', ARGV[2])
          redis.call('PEXPIRE', KEYS[i], ARGV[4 + i])
        end
        redis.call('DEL', KEYS[5])
        redis.call('SET', KEYS[6], '1', 'PX', ARGV[9])
        return 1
        """;
}

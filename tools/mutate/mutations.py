"""The named mutations of tools/mutate/mutate.py: realistic one-line bugs in the code that handles tenants' energy.

Each is (id, file, original text, replacement, suites). The original text must occur exactly once in the file. Suites
name test runs in mutate.py's SUITES, tried in order until one fails (the mutant is killed) or all pass (it survived).
The six classes of issue 21 are marked [issue 21 #n]. docs/testing.md lists the survivors and why each is acceptable.
"""

CORE = "src/GreenGateway.Core"
REDIS = "src/GreenGateway.Redis"
HOST = "src/GreenGateway"

MUTATIONS = [
    # --- Core/Budgets: the admission rule, windows, the embedded ledger -------------------------------------------
    ("limit-joules-gt", f"{CORE}/Budgets/BudgetLimit.cs", "used.Joules >= j", "used.Joules > j", ["core-budgets", "redis-ledger"]),
    ("limit-grams-gt", f"{CORE}/Budgets/BudgetLimit.cs", "used.GramsCo2e >= g", "used.GramsCo2e > g", ["core-budgets", "redis-ledger"]),
    ("limit-either-becomes-both", f"{CORE}/Budgets/BudgetLimit.cs", "used.Joules >= j) || (CarbonGrams", "used.Joules >= j) && (CarbonGrams", ["core-budgets", "redis-ledger"]),
    ("window-minute-is-an-hour", f"{CORE}/Budgets/BudgetWindow.cs", "BudgetWindow.Minute => start.AddMinutes(1)", "BudgetWindow.Minute => start.AddHours(1)", ["core-budgets"]),
    ("window-month-starts-today", f"{CORE}/Budgets/BudgetWindow.cs", "new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero)", "new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero)", ["core-budgets"]),
    ("energycarbon-no-clamp", f"{CORE}/Budgets/EnergyCarbon.cs", "new(Math.Max(0, Joules), Math.Max(0, GramsCo2e))", "new(Joules, Math.Max(0, GramsCo2e))", ["core-budgets"]),
    ("inmemory-retry-at-earliest-window", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "span.End > spent.Value.End", "span.End < spent.Value.End", ["core-budgets"]),
    ("inmemory-settle-keeps-reservation", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "entry.Reserved = (entry.Reserved - reservation.Amount).AtLeastZero();", "entry.Reserved = entry.Reserved.AtLeastZero();", ["core-budgets"]),
    ("inmemory-settle-charges-estimate", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "entry.Consumed += actual.AtLeastZero();", "entry.Consumed += reservation.Amount;", ["core-budgets"]),
    ("inmemory-settle-not-idempotent", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "if (!_settled.TryAdd(reservation.RequestId,", "if (!_settled.TryAdd(reservation.RequestId + Guid.NewGuid(),", ["core-budgets"]),
    ("inmemory-settle-in-current-window", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "var entry = Get(reservation.TenantId, WindowSpan.Containing(window, reservation.ReservedAt));", "var entry = Get(reservation.TenantId, WindowSpan.Containing(window, DateTimeOffset.UtcNow));", ["core-budgets"]),
    ("inmemory-usage-swapped", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "new WindowUsage(span, entry.Consumed, entry.Reserved)", "new WindowUsage(span, entry.Reserved, entry.Consumed)", ["core-budgets"]),
    ("inmemory-reserves-minute-only", f"{CORE}/Budgets/InMemoryBudgetLedger.cs", "            foreach (var window in WindowSpan.All)\n            {\n                var entry = Get(request.TenantId, WindowSpan.Containing(window, request.Now));", "            foreach (var window in new[] { BudgetWindow.Minute })\n            {\n                var entry = Get(request.TenantId, WindowSpan.Containing(window, request.Now));", ["core-budgets"]),

    # --- Redis ledger and its Lua scripts -------------------------------------------------------------------------
    ("lua-retried-reserve-check-removed [issue 21 #3]", f"{REDIS}/Budgets/LedgerScripts.cs", "if redis.call('EXISTS', KEYS[5]) == 1 then return {1, -1} end", "-- retried-reserve check removed", ["new-ledger-model", "redis-ledger"]),
    ("lua-limit-joules-gt [issue 21 #4]", f"{REDIS}/Budgets/LedgerScripts.cs", "uj >= tonumber(lj)", "uj > tonumber(lj)", ["new-ledger-model", "redis-ledger"]),
    ("lua-limit-grams-gt", f"{REDIS}/Budgets/LedgerScripts.cs", "ug >= tonumber(lg)", "ug > tonumber(lg)", ["redis-ledger"]),
    ("lua-settle-never-releases", f"{REDIS}/Budgets/LedgerScripts.cs", "          if release then", "          if false then", ["redis-ledger"]),
    ("lua-settle-always-releases", f"{REDIS}/Budgets/LedgerScripts.cs", "local release = redis.call('EXISTS', KEYS[5]) == 1", "local release = true", ["redis-ledger"]),
    ("lua-settle-not-idempotent", f"{REDIS}/Budgets/LedgerScripts.cs", "if redis.call('EXISTS', KEYS[6]) == 1 then return 0 end", "-- settled check removed", ["redis-ledger"]),
    ("lua-reserve-after-settle-reserves", f"{REDIS}/Budgets/LedgerScripts.cs", "if redis.call('EXISTS', KEYS[6]) == 1 then return {1, -2} end", "-- settled check removed", ["redis-ledger"]),
    ("lua-reserve-keeps-no-key", f"{REDIS}/Budgets/LedgerScripts.cs", "redis.call('SET', KEYS[5], ARGV[1] .. ' ' .. ARGV[2], 'PX', ARGV[7])", "-- reservation key not written", ["redis-ledger"]),
    ("lua-settle-charges-reserved-grams", f"{REDIS}/Budgets/LedgerScripts.cs", "redis.call('HINCRBYFLOAT', KEYS[i], 'cg', ARGV[2])", "redis.call('HINCRBYFLOAT', KEYS[i], 'cg', ARGV[4])", ["redis-ledger"]),
    ("redis-local-reservation-not-recorded [issue 21 #6]", f"{REDIS}/Budgets/RedisBudgetLedger.cs", "_localReservations[request.RequestId] = 0;", "", ["new-outage-settle", "new-ledger-model", "redis-ledger"]),
    ("redis-local-slice-ignored", f"{REDIS}/Budgets/RedisBudgetLedger.cs", "EnergyJoules = limit.EnergyJoules * fraction", "EnergyJoules = limit.EnergyJoules", ["redis-ledger"]),
    ("redis-settle-while-down-not-journalled", f"{REDIS}/Budgets/RedisBudgetLedger.Settle.cs", "        if (!_redis.IsConnected)\n        {\n            Journal(entry);\n            return;", "        if (!_redis.IsConnected)\n        {\n            return;", ["redis-ledger"]),
    ("redis-loosest-of-two-limits", f"{REDIS}/Budgets/RedisBudgetLedger.Keys.cs", "j < joules[w]", "j > joules[w]", ["redis-ledger"]),
    ("redis-check-order-earliest-first", f"{REDIS}/Budgets/RedisBudgetLedger.Keys.cs", "ends[a] != ends[b] ? ends[a] > ends[b]", "ends[a] != ends[b] ? ends[a] < ends[b]", ["redis-ledger"]),

    # --- Core/Energy and Core/Carbon ------------------------------------------------------------------------------
    ("energy-reported-without-pue", f"{CORE}/Energy/EnergyModel.cs", "new EnergyFigure(reported * Pue, EnergyMethod.UpstreamReported)", "new EnergyFigure(reported, EnergyMethod.UpstreamReported)", ["core-energy"]),
    ("energy-modelled-without-pue", f"{CORE}/Energy/EnergyModel.cs", "new EnergyFigure(it * Pue, EnergyMethod.Modelled)", "new EnergyFigure(it, EnergyMethod.Modelled)", ["core-energy"]),
    ("energy-completion-at-prompt-rate", f"{CORE}/Energy/EnergyModel.cs", "(usage.CompletionTokens * profile.JoulesPerCompletionToken)", "(usage.CompletionTokens * profile.JoulesPerPromptToken)", ["core-energy"]),
    ("energy-pue-below-one-accepted", f"{CORE}/Energy/EnergyModel.cs", "!(pue >= 1.0)", "!(pue >= 0.0)", ["core-energy"]),
    ("energy-negative-report-accepted", f"{CORE}/Energy/EnergyModel.cs", "reported >= 0 && !double.IsInfinity(reported)", "!double.IsInfinity(reported)", ["core-energy"]),
    ("carbon-joules-per-kwh-wrong", f"{CORE}/Carbon/CarbonCalculator.cs", "JoulesPerKwh = 3_600_000.0", "JoulesPerKwh = 3_600.0", ["core-carbon"]),
    ("carbon-embodied-dropped", f"{CORE}/Carbon/CarbonCalculator.cs", "return operational + Embodied.For(duration);", "return operational;", ["core-carbon"]),
    ("carbon-embodied-negative-duration", f"{CORE}/Carbon/CarbonCalculator.cs", "Math.Max(0, duration.TotalSeconds)", "duration.TotalSeconds", ["core-carbon"]),

    # --- the accountant and the host's budget path ----------------------------------------------------------------
    ("accountant-tier-without-pue [issue 21 #5]", f"{HOST}/Accounting/EnergyAccountant.cs", "new EnergyFigure(work.ItJoules * energy.Pue, work.Method)", "new EnergyFigure(work.ItJoules, work.Method)", ["new-pue", "host-accounting"]),
    ("accountant-estimate-without-pue", f"{HOST}/Accounting/EnergyAccountant.cs", "var facility = it * energy.Pue;", "var facility = it;", ["host-accounting"]),
    ("accountant-observed-baseline-without-pue", f"{HOST}/Accounting/EnergyAccountant.cs", "return (fit.Predict(usage) * energy.Pue, BaselineMethod.Observed);", "return (fit.Predict(usage), BaselineMethod.Observed);", ["host-accounting"]),
    ("accountant-any-report-plausible", f"{HOST}/Accounting/EnergyAccountant.cs", "return joules <= _config.Energy.MaxReportedMultiple * Math.Max(modelled, 1.0);", "return joules >= 0;", ["host-accounting"]),
    ("accountant-unbounded-completion-usage", f"{HOST}/Accounting/EnergyAccountant.cs", "r.CompletionTokens <= completionBound", "r.CompletionTokens >= 0", ["host-accounting"]),
    ("retry-after-rounded-down [issue 21 #1]", f"{HOST}/Pipeline/BudgetAdmission.cs", "Math.Ceiling((window.End - now).TotalSeconds)", "Math.Floor((window.End - now).TotalSeconds)", ["new-retry-after", "host-accounting"]),
    ("refusal-reserved-counted-as-spent", f"{HOST}/Pipeline/BudgetAdmission.cs", "limit.IsSpent(usage.Consumed)", "limit.IsSpent(usage.Consumed + usage.Reserved)", ["host-accounting"]),
    ("release-only-when-charged [issue 21 #2]", f"{HOST}/Pipeline/Admission.cs", "            await _ledger.SettleAsync(_reservation, actual.AtLeastZero(), CancellationToken.None);", "            if (actual != EnergyCarbon.Zero) { await _ledger.SettleAsync(_reservation, actual.AtLeastZero(), CancellationToken.None); }", ["new-release", "host-accounting"]),
    ("release-only-for-2xx [issue 21 #2]", f"{HOST}/Pipeline/Settlement.cs", "        await admission.SettleAsync(charged);", "        if (result.Status is >= 200 and < 300) { await admission.SettleAsync(charged); }", ["new-release", "host-accounting"]),

    # --- cache partitions -----------------------------------------------------------------------------------------
    ("partition-without-model", f"{CORE}/Cache/CachePartition.cs", "$\"{TenantId}\\0{Model}\\0{ParametersHash}\\0{ContextHash}\"", "$\"{TenantId}\\0{ParametersHash}\\0{ContextHash}\"", ["core-cache", "redis-cache"]),
    ("partition-without-tenant", f"{CORE}/Cache/CachePartition.cs", "$\"{TenantId}\\0{Model}\\0{ParametersHash}\\0{ContextHash}\"", "$\"{Model}\\0{ParametersHash}\\0{ContextHash}\"", ["core-cache", "redis-cache"]),
    ("partition-without-temperature", f"{CORE}/Cache/CachePartition.cs", "text.Append(\"t=\").Append(Number(Temperature))", "text.Append(\"t=\")", ["core-cache", "redis-cache"]),
    ("partition-without-seed", f"{CORE}/Cache/CachePartition.cs", ".Append(\";s=\").Append(Seed?.ToString(CultureInfo.InvariantCulture))", ".Append(\";s=\")", ["core-cache", "redis-cache"]),
    ("partition-stop-unframed", f"{CORE}/Cache/CachePartition.cs", "text.Append(s.Length).Append(':').Append(s);", "text.Append(s);", ["core-cache", "redis-cache"]),

    # --- the speculative acceptance rules -------------------------------------------------------------------------
    ("acceptance-greedy-takes-rank-two", f"{CORE}/Cascade/SpeculativeAcceptance.cs", "verified.Rank == 1 ?", "verified.Rank <= 2 ?", ["core-acceptance"]),
    ("acceptance-cascade-always-keeps", f"{CORE}/Cascade/SpeculativeAcceptance.cs", "* Math.Exp(maxLogprob);", "* Math.Exp(verified.TargetLogprob);", ["core-acceptance"]),
    ("acceptance-sampling-ratio-inverted", f"{CORE}/Cascade/SpeculativeAcceptance.cs", "Math.Min(1, p / q)", "Math.Min(1, q / p)", ["core-acceptance"]),
    ("acceptance-residual-unnormalised", f"{CORE}/Cascade/SpeculativeAcceptance.cs", "var w = Math.Max(0, pi - qi);", "var w = pi;", ["core-acceptance"]),
]

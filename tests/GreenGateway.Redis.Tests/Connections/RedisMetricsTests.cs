using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Redis.Tests.Connections;

public sealed class RedisMetricsTests
{
    [Fact]
    public async Task OutageAndCacheTraffic_AreCounted()
    {
        var token = TestContext.Current.CancellationToken;
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new RedisMetrics(services.GetRequiredService<IMeterFactory>());
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RedisMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "operation")
                {
                    counts.AddOrUpdate(instrument.Name + ":" + tag.Value, 1, (_, total) => total + 1);
                }
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var name = instrument.Name;
            foreach (var tag in tags)
            {
                if (tag.Key is "result" or "reason" or "operation")
                {
                    name += ":" + tag.Value;
                }
            }

            counts.AddOrUpdate(name, value, (_, total) => total + value);
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => counts[instrument.Name] = value);
        listener.Start();

        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var state = await RedisSharedState.ConnectAsync(Budgets.LedgerOutageTests.FastOptions(server), new RedisSharedStateOptions { Metrics = metrics });
        var query = new CacheQuery(new CachePartition("m", "m", "p", "c"), "how are you", 0);
        await state.Cache.LookupAsync(query, token);
        await server.StopAsync();
        await Wait.UntilAsync(() => !state.Multiplexer.IsConnected);
        await state.Ledger.ReserveAsync(new ReserveRequest("m", "1", new EnergyCarbon(1, 0), [], DateTimeOffset.UtcNow), token);
        await server.StartAsync();
        await Wait.UntilAsync(() => state.Multiplexer.IsConnected);
        await Wait.UntilAsync(() => counts.ContainsKey("gg.redis.reconnects"));

        Assert.Equal(1, counts.GetValueOrDefault("gg.cache.lookups:miss"));
        Assert.Equal(1, counts.GetValueOrDefault("gg.ledger.local_admissions"));
        Assert.True(counts.Keys.Any(k => k.StartsWith("gg.redis.connection.failures:", StringComparison.Ordinal)), string.Join(", ", counts.Keys));
        Assert.True(counts.GetValueOrDefault("gg.redis.duration:lookup") >= 1);

        // The client's own figures (StackExchange.Redis GetCounters), observed when a reader collects.
        listener.RecordObservableInstruments();
        Assert.Equal(1, counts.GetValueOrDefault("gg.redis.connected"));
        Assert.True(counts.GetValueOrDefault("gg.redis.operations") > 0);
    }
}

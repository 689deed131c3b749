using System.Globalization;
using GreenGateway.Core.Budgets;
using StackExchange.Redis;

namespace GreenGateway.Redis.Budgets;

public sealed partial class RedisBudgetLedger
{
    private string WindowKey(string tenant, WindowSpan span) => $"{_options.KeyPrefix}:{{{tenant}}}:{span.Id}";

    private string RequestKey(string tenant, string kind, string requestId) => $"{_options.KeyPrefix}:{{{tenant}}}:{kind}:{requestId}";

    /// <summary>Milliseconds until the window ends plus the grace, never less than the grace (so that a key is never expired on write).</summary>
    private long TtlMilliseconds(WindowSpan span)
    {
        var ttl = span.End + _options.KeyGrace - _time.GetUtcNow();
        var floor = _options.KeyGrace > TimeSpan.FromMinutes(1) ? _options.KeyGrace : TimeSpan.FromMinutes(1);
        return (long)(ttl > floor ? ttl : floor).TotalMilliseconds;
    }

    /// <summary>
    /// The tightest joule and gram limit per window, as ARGV pairs in window order ('' = unlimited). Several
    /// limits on one window reduce to their minimum, which refuses exactly when any of them would.
    /// </summary>
    private static void WriteLimits(IReadOnlyList<BudgetLimit> limits, Span<RedisValue> destination)
    {
        Span<double> joules = [double.NaN, double.NaN, double.NaN, double.NaN];
        Span<double> grams = [double.NaN, double.NaN, double.NaN, double.NaN];
        for (var i = 0; i < limits.Count; i++)
        {
            var limit = limits[i];
            var w = (int)limit.Window;
            if (limit.EnergyJoules is { } j && (double.IsNaN(joules[w]) || j < joules[w]))
            {
                joules[w] = j;
            }

            if (limit.CarbonGrams is { } g && (double.IsNaN(grams[w]) || g < grams[w]))
            {
                grams[w] = g;
            }
        }

        for (var w = 0; w < 4; w++)
        {
            destination[2 * w] = double.IsNaN(joules[w]) ? string.Empty : Format(joules[w]);
            destination[(2 * w) + 1] = double.IsNaN(grams[w]) ? string.Empty : Format(grams[w]);
        }
    }

    /// <summary>
    /// Window indices (1-based) in checking order: limited windows by end time, latest first, ties in the order their
    /// limits are listed; then the unlimited ones. The script reports the first spent window in this order.
    /// </summary>
    private static void WriteCheckOrder(IReadOnlyList<BudgetLimit> limits, DateTimeOffset now, Span<RedisValue> destination)
    {
        Span<int> firstListed = [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue];
        for (var i = limits.Count - 1; i >= 0; i--)
        {
            firstListed[(int)limits[i].Window] = i;
        }

        Span<int> order = [0, 1, 2, 3];
        Span<long> ends = stackalloc long[4];
        for (var w = 0; w < 4; w++)
        {
            ends[w] = WindowSpan.Containing(WindowSpan.All[w], now).End.UtcTicks;
        }

        // Insertion sort of four: limited before unlimited, later end first, then earlier listing.
        for (var i = 1; i < 4; i++)
        {
            var current = order[i];
            var j = i - 1;
            while (j >= 0 && ChecksBefore(current, order[j], firstListed, ends))
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = current;
        }

        for (var i = 0; i < 4; i++)
        {
            destination[i] = order[i] + 1;
        }
    }

    private static bool ChecksBefore(int a, int b, ReadOnlySpan<int> firstListed, ReadOnlySpan<long> ends)
    {
        var aLimited = firstListed[a] != int.MaxValue;
        var bLimited = firstListed[b] != int.MaxValue;
        if (aLimited != bLimited)
        {
            return aLimited;
        }

        return ends[a] != ends[b] ? ends[a] > ends[b] : firstListed[a] < firstListed[b];
    }

    /// <summary>Fixed-point text (no exponent), which every server's HINCRBYFLOAT and Lua tonumber accept.</summary>
    private static string Format(double value) => value.ToString("0.#########", CultureInfo.InvariantCulture);

    private static double Number(RedisValue value) => value.IsNull ? 0 : (double)value;
}

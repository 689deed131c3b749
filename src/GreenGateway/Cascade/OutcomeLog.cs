using System.Text.Json;
using System.Threading.Channels;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using Microsoft.Extensions.Options;

namespace GreenGateway.Cascade;

/// <summary>One request's outcome, as the router is retrained on it (<c>router train --labels</c>).</summary>
/// <param name="Label">The cheapest tier that answered well enough, when the cascade found out; null when it did not (a cache hit, the large model alone without trying the draft).</param>
internal sealed record Outcome(string Tenant, string Prompt, string Tier, string? Label, double? AcceptanceRate, double? DraftMinProbability);

/// <summary>
/// Appends outcomes to <see cref="RouterSettings.OutcomeLog"/> (JSON lines: time, tenant, prompt, tier, label,
/// acceptance_rate, draft_min_probability) from a background writer, so that a request never waits on the disk.
/// Off unless configured: the lines hold prompts.
/// </summary>
internal sealed class OutcomeLog : IAsyncDisposable
{
    /// <summary>Speculative answers whose drafted tokens were accepted at least this often are labelled <c>speculative</c>, else <c>upstream</c>.</summary>
    public const double SpeculativeLabelRate = 0.5;

    private readonly Channel<Outcome>? _channel;
    private readonly Task? _writer;
    private readonly TimeProvider _time;

    public OutcomeLog(IOptions<GatewayConfig> options, TimeProvider time)
    {
        _time = time;
        if (options.Value.Cascade.Router.OutcomeLog is { Length: > 0 } path)
        {
            _channel = Channel.CreateBounded<Outcome>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
            _writer = WriteAsync(path, _channel.Reader);
        }
    }

    public bool Enabled => _channel is not null;

    /// <summary>The label a tier's answer gives its prompt.</summary>
    public static string? LabelFor(string tier, double? acceptanceRate, bool draftTried) => tier switch
    {
        CascadeTiers.Rules => CascadeTiers.Rules,
        CascadeTiers.Draft => CascadeTiers.Draft,
        CascadeTiers.Speculative => acceptanceRate >= SpeculativeLabelRate ? CascadeTiers.Speculative : CascadeTiers.Upstream,
        CascadeTiers.Upstream when draftTried => CascadeTiers.Upstream,
        _ => null,
    };

    public void Add(Outcome outcome) => _channel?.Writer.TryWrite(outcome);

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            _channel.Writer.TryComplete();
            await _writer!;
        }
    }

    private async Task WriteAsync(string path, ChannelReader<Outcome> reader)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var o))
            {
                using (var w = new Utf8JsonWriter(file))
                {
                    w.WriteStartObject();
                    w.WriteString("time", _time.GetUtcNow());
                    w.WriteString("tenant", o.Tenant);
                    w.WriteString("prompt", o.Prompt);
                    w.WriteString("tier", o.Tier);
                    w.WriteString("label", o.Label);
                    if (o.AcceptanceRate is { } a)
                    {
                        w.WriteNumber("acceptance_rate", Math.Round(a, 4));
                    }

                    if (o.DraftMinProbability is { } p)
                    {
                        w.WriteNumber("draft_min_probability", Math.Round(p, 4));
                    }

                    w.WriteEndObject();
                }

                file.WriteByte((byte)'\n');
            }

            await file.FlushAsync();
        }
    }
}

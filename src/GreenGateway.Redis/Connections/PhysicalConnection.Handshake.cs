using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Connections;

internal sealed partial class PhysicalConnection
{
    /// <summary>
    /// AUTH, CLIENT SETNAME and SELECT (RESP2), or HELLO 3 with AUTH and SETNAME, then SELECT (RESP3), pipelined:
    /// all are sent before the first reply is awaited. redis.io/docs/latest/commands/hello.
    /// </summary>
    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var o = _options;
        var steps = new List<ValueTask<RespValue>>(4);
        if (o.Protocol == RespProtocol.Resp3)
        {
            var args = new List<RedisArg> { 3 };
            if (o.Password is not null)
            {
                args.AddRange(["AUTH", o.User ?? "default", o.Password]);
            }

            if (o.ClientName is not null)
            {
                args.AddRange(["SETNAME", o.ClientName]);
            }

            steps.Add(SendAsync("HELLO", args.ToArray(), cancellationToken));
        }
        else
        {
            if (o.Password is not null)
            {
                steps.Add(o.User is null ? SendAsync("AUTH", [o.Password], cancellationToken) : SendAsync("AUTH", [o.User, o.Password], cancellationToken));
            }

            if (o.ClientName is not null)
            {
                steps.Add(SendAsync("CLIENT", ["SETNAME", o.ClientName], cancellationToken));
            }
        }

        if (o.Database != 0)
        {
            steps.Add(SendAsync("SELECT", [o.Database], cancellationToken));
        }

        foreach (var step in steps)
        {
            await step.ConfigureAwait(false);
        }
    }
}

using System.CommandLine;
using GreenGateway;
using GreenGateway.Cli.Commands;

// gg-e2e serve [gateway arguments]   the gateway, exactly as src/GreenGateway runs it
// gg-e2e bench cascade [options]     the CLI's cascade benchmark, exactly as `gg bench cascade`
if (args.Length > 0 && args[0] == "serve")
{
    var app = GatewayApp.Build(args[1..]);
    await app.RunAsync();
    return 0;
}

var root = new RootCommand("GreenGateway's end-to-end runner: `serve` (the gateway) or `bench cascade` (the benchmark).")
{
    BenchCommands.Create(),
};
return await root.Parse(args).InvokeAsync();

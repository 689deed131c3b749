using System.CommandLine;
using GreenGateway.Cli.Commands;

var root = new RootCommand("GreenGateway's tools: the cascade workload, the router's labels and training, the cascade benchmark.")
{
    WorkloadCommands.Create(),
    RouterCommands.Create(),
    BenchCommands.Create(),
    CacheCommands.Create(),
};
return await root.Parse(args).InvokeAsync();

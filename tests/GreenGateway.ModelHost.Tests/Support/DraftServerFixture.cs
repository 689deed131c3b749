namespace GreenGateway.ModelHost.Tests.Support;

/// <summary>One server with models/draft (3M parameters, fast) shared by a test class.</summary>
public sealed class DraftServerFixture : IAsyncLifetime
{
    public ModelHostServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await ModelHostServer.StartAsync("draft");

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

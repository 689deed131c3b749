namespace GreenGateway.Core.Tests.Support;

/// <summary>A clock that stands still until a test moves it. Always reports UTC.</summary>
internal sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start.ToUniversalTime();

    public DateTimeOffset Now => _now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void SetUtcNow(DateTimeOffset value) => _now = value.ToUniversalTime();

    public void Advance(TimeSpan delta) => _now += delta;
}

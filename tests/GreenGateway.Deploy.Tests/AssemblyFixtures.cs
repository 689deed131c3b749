using GreenGateway.Redis.Tests.Fixtures;

// One real redis-server for every test that starts the gateway the way a deployment file configures it.
[assembly: AssemblyFixture(typeof(RedisServerFixture))]

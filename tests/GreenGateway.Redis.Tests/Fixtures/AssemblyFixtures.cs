using GreenGateway.Redis.Tests.Fixtures;

// One redis-server and one garnet-server serve every functional test class; each class uses its own key prefix.
[assembly: AssemblyFixture(typeof(RedisServerFixture))]
[assembly: AssemblyFixture(typeof(GarnetServerFixture))]

using GreenGateway.Redis.Tests.Fixtures;

// One redis-server, one garnet-server and one three-node Redis Cluster serve every functional test class; each class
// uses its own key prefix or tenant.
[assembly: AssemblyFixture(typeof(RedisServerFixture))]
[assembly: AssemblyFixture(typeof(GarnetServerFixture))]
[assembly: AssemblyFixture(typeof(RedisClusterFixture))]

using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using GreenGateway.Redis.Cluster;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Benchmarks.Redis;

/// <summary>
/// The client's per-command CPU work without a socket: encoding a command, parsing replies, hashing a key to its
/// slot. End-to-end throughput against redis-benchmark is loadtests/redis-bench (docs/redis.md).
/// Run: dotnet run -c Release --project benchmarks/GreenGateway.Benchmarks -- --filter '*RespProtocol*'
/// </summary>
[MemoryDiagnoser]
public class RespProtocolBenchmarks
{
    private readonly byte[] _key = "user:1000:profile"u8.ToArray();
    private readonly byte[] _value = new byte[64];
    private readonly byte[] _encoded = new byte[256];
    private byte[] _okReply = [];
    private byte[] _bulkReply = [];
    private byte[] _arrayReply = [];

    [GlobalSetup]
    public void Setup()
    {
        _okReply = "+OK\r\n"u8.ToArray();
        _bulkReply = Encoding.ASCII.GetBytes("$64\r\n" + new string('x', 64) + "\r\n");
        var array = new StringBuilder("*100\r\n");
        for (var i = 0; i < 100; i++)
        {
            array.Append("$8\r\nmember").Append((i % 100).ToString("00", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        }

        _arrayReply = Encoding.ASCII.GetBytes(array.ToString());
    }

    [Benchmark]
    public int EncodeSet() => RespWriter.Write(_encoded, "SET", [_key, _value]);

    [Benchmark]
    public RespType ParseOk() => Parse(_okReply);

    [Benchmark]
    public RespType ParseBulk64() => Parse(_bulkReply);

    [Benchmark]
    public RespType ParseArrayOf100() => Parse(_arrayReply);

    [Benchmark]
    public int KeySlot() => HashSlot.Of(_key);

    private static RespType Parse(byte[] bytes)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        RespParser.TryRead(ref reader, RespLimits.Default, out var value);
        return value.Type;
    }
}

using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Tests.Protocol;

/// <summary>Properties of the parser over generated frames, cut frames, garbage and hostile length prefixes.</summary>
public sealed class RespParserPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Fact]
    public void AnyFrame_ParsesBackToItself_ConsumingEveryByte()
    {
        Check.One(Config, Prop.ForAll(Arb.From(RespFrame.Generator), frame =>
        {
            var bytes = frame.Encode();
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            Assert.True(RespParser.TryRead(ref reader, RespLimits.Default, out var value));
            Assert.Equal(bytes.Length, reader.Consumed);
            frame.AssertMatches(value);
        }));
    }

    [Fact]
    public void AnyFrameCutShort_NeedsMoreData_AndParsesWhenSplitAcrossSegments()
    {
        var cases = RespFrame.Generator.SelectMany(f => Gen.Choose(0, f.Encode().Length - 1).Select(cut => (Frame: f, Cut: cut)));
        Check.One(Config, Prop.ForAll(Arb.From(cases), c =>
        {
            var bytes = c.Frame.Encode();
            var prefix = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, c.Cut));
            Assert.False(RespParser.TryRead(ref prefix, RespLimits.Default, out _));

            var split = new SequenceReader<byte>(TwoSegments(bytes, c.Cut));
            Assert.True(RespParser.TryRead(ref split, RespLimits.Default, out var value));
            Assert.Equal(bytes.Length, split.Consumed);
            c.Frame.AssertMatches(value);
        }));
    }

    [Fact]
    public void Garbage_EitherParses_NeedsMore_OrRaisesProtocolError()
    {
        var alphabet = Gen.Elements("+-:$*_#,!=(%~>|\r\n0123456789-abc\0\xff".Select(ch => (byte)ch).ToArray());
        var garbage = Gen.Choose(0, 64).SelectMany(n => Gen.ArrayOf(alphabet, n));
        Check.One(Config.WithMaxTest(3000), Prop.ForAll(Arb.From(garbage), bytes =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            try
            {
                RespParser.TryRead(ref reader, RespLimits.Default, out _);
            }
            catch (RedisProtocolException)
            {
                // The one failure the parser may report.
            }
        }));
    }

    [Fact]
    public void HugeLengthPrefix_NeverAllocatesItsSize()
    {
        var limits = new RespLimits { MaxBulkLength = 1 << 20, MaxAggregateCount = 1 << 16 };
        var prefixes = Gen.Elements('$', '*', '%', '~', '=', '!').SelectMany(p => Gen.Choose(0, 62).Select(shift => (Prefix: p, Length: 1L << shift)));
        Check.One(Config, Prop.ForAll(Arb.From(prefixes), c =>
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes($"{c.Prefix}{c.Length}\r\nabc");
            var before = GC.GetAllocatedBytesForCurrentThread();
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            bool parsed;
            try
            {
                parsed = RespParser.TryRead(ref reader, limits, out _);
            }
            catch (RedisProtocolException)
            {
                parsed = false;
            }

            // Either refused or waiting for data; a few hundred bytes at most (exception objects), never the announced size.
            Assert.False(parsed && c.Length > 3);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * 1024);
        }));
    }

    [Theory]
    [InlineData("$-2\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData(":\r\n")]
    [InlineData("$3\r\nabcX\r\n")]
    [InlineData("?what\r\n")]
    [InlineData("#x\r\n")]
    [InlineData("*-5\r\n")]
    [InlineData(":99999999999999999999999\r\n")]
    public void MalformedFrame_RaisesProtocolError(string frame)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(frame);
        Assert.Throws<RedisProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            RespParser.TryRead(ref reader, RespLimits.Default, out _);
        });
    }

    [Fact]
    public void OverLimits_RaiseProtocolError()
    {
        var limits = new RespLimits { MaxBulkLength = 10, MaxAggregateCount = 4, MaxDepth = 3, MaxLineLength = 16 };
        foreach (var frame in new[] { "$11\r\n", "*5\r\n", "%3\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "+" + new string('x', 40) })
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(frame);
            Assert.Throws<RedisProtocolException>(() =>
            {
                var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
                RespParser.TryRead(ref reader, limits, out _);
            });
        }
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int cut)
    {
        var first = new Segment(bytes.AsMemory(0, cut));
        var last = first.Append(bytes.AsMemory(cut));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}

using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Tests.Protocol;

/// <summary>A test-side model of a RESP frame: what the server sends, and what the parser must give back.</summary>
internal sealed record RespFrame(RespType Type, byte[] Text, long Number, RespFrame[] Children)
{
    public byte[] Encode()
    {
        var output = new MemoryStream();
        Write(output);
        return output.ToArray();
    }

    public void AssertMatches(RespValue value)
    {
        Assert.Equal(Type, value.Type);
        switch (Type)
        {
            case RespType.Integer:
                Assert.Equal(Number, value.AsInt64());
                break;
            case RespType.Boolean:
                Assert.Equal(Number != 0, value.AsBoolean());
                break;
            case RespType.Array or RespType.Set or RespType.Push or RespType.Map:
                Assert.Equal(Children.Length, value.Items.Length);
                for (var i = 0; i < Children.Length; i++)
                {
                    Children[i].AssertMatches(value.Items[i]);
                }

                break;
            case RespType.Null:
                break;
            default:
                Assert.Equal(Text, value.Bytes.ToArray());
                break;
        }
    }

    public static Gen<RespFrame> Generator { get; } = Gen.Sized(size => Sized(Math.Min(size, 20)));

    private static Gen<RespFrame> Sized(int size)
    {
        var line = Gen.Elements("OK", "PONG", "ERR unknown", "", "a b c", "QUEUED").Select(s => Encoding.ASCII.GetBytes(s));
        var bulk = ArbMap.Default.GeneratorFor<byte[]>();
        var leaves = Gen.OneOf(
            line.Select(b => new RespFrame(RespType.SimpleString, b, 0, [])),
            line.Select(b => new RespFrame(RespType.Error, b, 0, [])),
            ArbMap.Default.GeneratorFor<long>().Select(n => new RespFrame(RespType.Integer, [], n, [])),
            bulk.Select(b => new RespFrame(RespType.BulkString, b, 0, [])),
            bulk.Select(b => new RespFrame(RespType.VerbatimString, b, 0, [])),
            Gen.Constant(new RespFrame(RespType.Null, [], 0, [])),
            Gen.Elements(0L, 1L).Select(n => new RespFrame(RespType.Boolean, [], n, [])));
        if (size <= 0)
        {
            return leaves;
        }

        var children = Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Sized(size / 2), n));
        var aggregate = Gen.Elements(RespType.Array, RespType.Set, RespType.Push, RespType.Map)
            .SelectMany(type => children.Select(c => new RespFrame(type, [], 0, type == RespType.Map && c.Length % 2 == 1 ? c[1..] : c)));
        return Gen.Frequency((3, leaves), (1, aggregate));
    }

    private void Write(MemoryStream output)
    {
        switch (Type)
        {
            case RespType.SimpleString:
                Line(output, '+', Text);
                break;
            case RespType.Error:
                Line(output, '-', Text);
                break;
            case RespType.Integer:
                Line(output, ':', Ascii(Number));
                break;
            case RespType.Boolean:
                Line(output, '#', Number != 0 ? "t"u8.ToArray() : "f"u8.ToArray());
                break;
            case RespType.Null:
                Line(output, '_', []);
                break;
            case RespType.BulkString:
                Line(output, '$', Ascii(Text.Length));
                output.Write(Text);
                output.Write("\r\n"u8);
                break;
            case RespType.VerbatimString:
                Line(output, '=', Ascii(Text.Length + 4));
                output.Write("txt:"u8);
                output.Write(Text);
                output.Write("\r\n"u8);
                break;
            default:
                var prefix = Type switch { RespType.Set => '~', RespType.Push => '>', RespType.Map => '%', _ => '*' };
                Line(output, prefix, Ascii(Type == RespType.Map ? Children.Length / 2 : Children.Length));
                foreach (var child in Children)
                {
                    child.Write(output);
                }

                break;
        }
    }

    private static byte[] Ascii(long n) => Encoding.ASCII.GetBytes(n.ToString(CultureInfo.InvariantCulture));

    private static void Line(MemoryStream output, char prefix, byte[] body)
    {
        output.WriteByte((byte)prefix);
        output.Write(body);
        output.Write("\r\n"u8);
    }
}

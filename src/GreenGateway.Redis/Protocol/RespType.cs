namespace GreenGateway.Redis.Protocol;

/// <summary>
/// The RESP2 and RESP3 reply types, named as in the RESP3 specification
/// (redis/redis-specifications, protocol/RESP3.md). Attributes are read and dropped by the parser.
/// </summary>
public enum RespType : byte
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
    Double,
    Boolean,
    BigNumber,
    VerbatimString,
    Map,
    Set,
    Push,
}

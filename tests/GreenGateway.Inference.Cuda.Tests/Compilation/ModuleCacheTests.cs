using GreenGateway.Inference.Cuda.Compilation;

namespace GreenGateway.Inference.Cuda.Tests.Compilation;

public sealed class ModuleCacheTests
{
    private static readonly string[] Options = ["--gpu-architecture=sm_90"];

    [Fact]
    public void Key_IsStableForTheSameInputs()
    {
        Assert.Equal(ModuleCache.Key("src", "hdr", "sm_90", Options, "13.0"), ModuleCache.Key("src", "hdr", "sm_90", Options, "13.0"));
    }

    [Fact]
    public void Key_ChangesWithSourceHeaderArchitectureOptionsAndCompiler()
    {
        var key = ModuleCache.Key("src", "hdr", "sm_90", Options, "13.0");
        string[] others =
        [
            ModuleCache.Key("src ", "hdr", "sm_90", Options, "13.0"),
            ModuleCache.Key("src", "hdr2", "sm_90", Options, "13.0"),
            ModuleCache.Key("src", "hdr", "sm_80", Options, "13.0"),
            ModuleCache.Key("src", "hdr", "sm_90", ["--gpu-architecture=sm_90", "-lineinfo"], "13.0"),
            ModuleCache.Key("src", "hdr", "sm_90", Options, "13.1"),
        ];
        Assert.Equal(others.Length, others.Distinct().Count());
        Assert.DoesNotContain(key, others);
    }

    [Fact]
    public void PathFor_NamesTheFileArchitectureAndKey()
    {
        var cache = new ModuleCache("/cache");
        Assert.Equal(Path.Combine("/cache", "matmul.sm_90.abc.cubin"), cache.PathFor("matmul.cu", "sm_90", "abc"));
    }

    [Fact]
    public void GetOrCompile_CompilesOnce_ThenReadsFromDisk()
    {
        var cache = new ModuleCache(Directory.CreateTempSubdirectory("gg-modules-").FullName);
        var compiles = 0;
        byte[] Compile()
        {
            compiles++;
            return [1, 2, 3, 4];
        }

        var first = cache.GetOrCompile("rope.cu", "sm_90", "k1", Compile, out var firstHit);
        var second = new ModuleCache(cache.Directory).GetOrCompile("rope.cu", "sm_90", "k1", Compile, out var secondHit);
        var otherArch = cache.GetOrCompile("rope.cu", "sm_100", "k1", Compile, out var otherHit);
        Assert.Equal((false, true, false), (firstHit, secondHit, otherHit));
        Assert.Equal(2, compiles);
        Assert.Equal(first, second);
        Assert.Equal(first, otherArch);
        Assert.Empty(Directory.GetFiles(cache.Directory, "*.tmp"));
    }

    [Fact]
    public void GetOrCompile_OnAnUnwritableFolder_StillReturnsTheCompiledModule()
    {
        var file = Path.GetTempFileName(); // a file where the folder should be: creating the folder fails
        var cache = new ModuleCache(Path.Combine(file, "sub"));
        var cubin = cache.GetOrCompile("x.cu", "sm_90", "k", static () => [9], out var hit);
        Assert.False(hit);
        Assert.Equal([9], cubin);
    }

    [Fact]
    public void DefaultDirectory_IsUnderTheUsersCache()
    {
        Assert.EndsWith(Path.Combine("greengateway", "cuda"), ModuleCache.DefaultDirectory(), StringComparison.Ordinal);
    }
}

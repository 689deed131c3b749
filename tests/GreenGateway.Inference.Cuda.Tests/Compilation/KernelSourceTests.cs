using GreenGateway.Inference.Cuda.Compilation;

namespace GreenGateway.Inference.Cuda.Tests.Compilation;

public sealed class KernelSourceTests
{
    /// <summary>Every kernel CudaModel and DeviceMatrix launch by name.</summary>
    private static readonly string[] Launched =
    [
        "embed_f16", "embed_i8", "rope_store", "attention_rows", "attention_rope_row", "matvec_f16", "matvec_f16_norm", "matvec_f16_swiglu",
        "matvec_f16_norm_glu", "matvec_i8",
        "matvec_i8_norm", "matvec_i8_swiglu", "argmax_rows", "rmsnorm_f16", "swiglu_f16", "to_f16",
    ];

    [Fact]
    public void EmbeddedSources_AreExactlyTheFilesInKernelsFolder()
    {
        var embedded = KernelSources.Load();
        var onDisk = KernelSources.Load(RepoPaths.Kernels);
        Assert.Equal(onDisk.Keys.Order(), embedded.Keys.Order());
        foreach (var (name, source) in onDisk)
        {
            Assert.Equal(source.Text, embedded[name].Text);
        }
    }

    [Fact]
    public void EveryKernelFile_StartsWithAHeaderComment_AndEveryKernelHasOne()
    {
        foreach (var source in KernelSources.Load().Values)
        {
            Assert.StartsWith("// " + source.Name + ":", source.Text, StringComparison.Ordinal);
            foreach (var kernel in KernelLibrary.KernelNames(source.Text))
            {
                var at = source.Text.IndexOf("void " + kernel + "(", StringComparison.Ordinal);
                var comment = string.Join(' ', source.Text[..at].Split('\n').Reverse().Skip(1)
                    .TakeWhile(static l => l.StartsWith("//", StringComparison.Ordinal)));
                Assert.True(comment.Contains("Launch:", StringComparison.Ordinal),
                    $"{source.Name}: kernel {kernel} needs a header comment that states its launch shape ('Launch: ...').");
            }
        }
    }

    [Fact]
    public void EveryLaunchedKernel_IsDefinedOnce()
    {
        var defined = KernelSources.Load().Values.SelectMany(static s => KernelLibrary.KernelNames(s.Text)).ToList();
        Assert.Equal(defined.Count, defined.Distinct().Count());
        foreach (var name in Launched)
        {
            Assert.Contains(name, defined);
        }
    }

    [Fact]
    public void KernelNames_ReadsExternCGlobals()
    {
        const string source = "extern \"C\" __global__ void a_b(int x) {}\n__device__ void helper() {}\nextern \"C\" __global__ void c (float* y) {}";
        Assert.Equal(["a_b", "c"], KernelLibrary.KernelNames(source));
    }

    [Fact]
    public void Load_FromAFolderWithoutTheCommonHeader_SaysWhatIsMissing()
    {
        var dir = Directory.CreateTempSubdirectory("gg-kernels-").FullName;
        File.WriteAllText(Path.Combine(dir, "x.cu"), "// x.cu: nothing");
        var e = Assert.Throws<FileNotFoundException>(() => KernelSources.Load(dir));
        Assert.Contains(KernelSources.CommonHeader, e.Message, StringComparison.Ordinal);
    }
}

using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace GreenGateway.Inference.Cuda.Compilation;

/// <summary>A kernel file: its name (<c>matmul.cu</c>) and CUDA C text.</summary>
internal sealed record KernelSource(string Name, string Text);

/// <summary>
/// The CUDA C in kernels/, embedded in this assembly at build time (so single-file publishes carry it), or read
/// from a folder given at run time (<c>CudaOptions.KernelDirectory</c>), which lets a kernel be edited without a rebuild.
/// </summary>
internal static partial class KernelSources
{
    /// <summary>The header every kernel file includes; NVRTC gets it as a named header, not from disk.</summary>
    public const string CommonHeader = "gg_common.cuh";

    private const string Prefix = "kernels/";

    /// <summary>Every kernel file (.cu) and the common header, by file name.</summary>
    public static IReadOnlyDictionary<string, KernelSource> Load(string? directory = null)
    {
        var result = new Dictionary<string, KernelSource>(StringComparer.Ordinal);
        if (directory is not null)
        {
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                var name = Path.GetFileName(path);
                if (name.EndsWith(".cu", StringComparison.Ordinal) || name == CommonHeader)
                {
                    result[name] = new KernelSource(name, File.ReadAllText(path));
                }
            }
        }
        else
        {
            var assembly = typeof(KernelSources).Assembly;
            foreach (var resource in assembly.GetManifestResourceNames())
            {
                if (resource.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    var name = resource[Prefix.Length..];
                    result[name] = new KernelSource(name, Read(assembly, resource));
                }
            }
        }

        if (!result.ContainsKey(CommonHeader))
        {
            throw new FileNotFoundException($"the kernel sources ({directory ?? "embedded"}) lack {CommonHeader}.");
        }

        return result;
    }

    /// <summary>
    /// Output rows a warp group of matmul.cu's f16 products (its <c>#define GG_ROWS</c>), which sets their launch
    /// geometry: read from the source so that the host and the kernel cannot disagree, whichever folder the kernels
    /// came from. Kernels from before the define's introduction took 2.
    /// </summary>
    public static int F16RowsPerGroup(IReadOnlyDictionary<string, KernelSource> sources)
    {
        if (!sources.TryGetValue("matmul.cu", out var matmul))
        {
            return 2;
        }

        var match = RowsDefine().Match(matmul.Text);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 2;
    }

    [GeneratedRegex(@"^#define GG_ROWS (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RowsDefine();

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"embedded kernel source {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

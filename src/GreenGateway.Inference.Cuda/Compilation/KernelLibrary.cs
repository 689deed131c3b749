using System.Diagnostics;
using GreenGateway.Inference.Cuda.Runtime;

namespace GreenGateway.Inference.Cuda.Compilation;

/// <summary>Every kernel the backend launches, compiled (or read from the module cache) and loaded for one device.</summary>
internal sealed class KernelLibrary : IDisposable
{
    private readonly List<CudaModule> _modules = [];

    public KernelLibrary(CudaDevice device, string cacheDirectory, string? sourceDirectory = null)
    {
        var started = Stopwatch.StartNew();
        var sources = KernelSources.Load(sourceDirectory);
        var header = sources[KernelSources.CommonHeader];
        var cache = new ModuleCache(cacheDirectory);
        var version = NvrtcCompiler.Version();
        var options = NvrtcCompiler.Options(device.Architecture);
        var functions = new Dictionary<string, CudaFunction>(StringComparer.Ordinal);
        foreach (var source in sources.Values.OrderBy(static s => s.Name, StringComparer.Ordinal))
        {
            if (source.Name == KernelSources.CommonHeader)
            {
                continue;
            }

            var key = ModuleCache.Key(source.Text, header.Text, device.Architecture, options, version);
            var cubin = cache.GetOrCompile(source.Name, device.Architecture, key, () => NvrtcCompiler.Compile(source, header, options), out var hit);
            if (hit)
            {
                CachedModules++;
            }
            else
            {
                CompiledModules++;
            }

            var module = new CudaModule(device, cubin, source.Name);
            _modules.Add(module);
            foreach (var kernel in KernelNames(source.Text))
            {
                functions[kernel] = module.Function(kernel);
            }
        }

        Functions = functions;
        F16RowsPerGroup = KernelSources.F16RowsPerGroup(sources);
        LoadTime = started.Elapsed;
    }

    public IReadOnlyDictionary<string, CudaFunction> Functions { get; }

    /// <summary>Output rows a warp group of the f16 products (matmul.cu's GG_ROWS).</summary>
    public int F16RowsPerGroup { get; }

    public int CompiledModules { get; }

    public int CachedModules { get; }

    public TimeSpan LoadTime { get; }

    public CudaFunction this[string kernel] => Functions.TryGetValue(kernel, out var f)
        ? f
        : throw new KeyNotFoundException($"no kernel named '{kernel}' in kernels/*.cu.");

    /// <summary>Whether the kernel files define <paramref name="kernel"/> (a kernel folder from an older build may not).</summary>
    public bool Has(string kernel) => Functions.ContainsKey(kernel);

    /// <summary>The names of the <c>extern "C" __global__</c> functions a kernel file defines.</summary>
    public static IReadOnlyList<string> KernelNames(string source)
    {
        const string marker = "extern \"C\" __global__ void ";
        var names = new List<string>();
        for (var at = source.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = source.IndexOf(marker, at + 1, StringComparison.Ordinal))
        {
            var start = at + marker.Length;
            var end = source.IndexOf('(', start);
            names.Add(source[start..end].Trim());
        }

        return names;
    }

    public void Dispose()
    {
        foreach (var m in _modules)
        {
            m.Dispose();
        }
    }
}

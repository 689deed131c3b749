using System.Security.Cryptography;
using System.Text;

namespace GreenGateway.Inference.Cuda.Compilation;

/// <summary>
/// Compiled kernels on disk, one cubin per kernel file and GPU architecture, so NVRTC runs once per machine and
/// kernel version rather than at every start. The key hashes everything that changes the output: the source and
/// the header, the architecture, the compiler options and the NVRTC version; a changed kernel gets a new file.
/// </summary>
internal sealed class ModuleCache(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>The default folder: <c>$XDG_CACHE_HOME/greengateway/cuda</c>, else <c>~/.cache/greengateway/cuda</c>, else the temp folder.</summary>
    public static string DefaultDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrEmpty(xdg) ? xdg
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(root, "greengateway", "cuda");
    }

    /// <summary>The cache key: 16 bytes of SHA-256 over source, header, architecture, options and compiler version, in hex.</summary>
    public static string Key(string source, string header, string architecture, IReadOnlyList<string> options, string compilerVersion)
    {
        var text = new StringBuilder()
            .Append("arch=").Append(architecture).Append('\n')
            .Append("nvrtc=").Append(compilerVersion).Append('\n')
            .Append("options=").AppendJoin(' ', options).Append('\n')
            .Append("header=").Append(header).Append('\n')
            .Append("source=").Append(source);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>File for a kernel file's cubin: <c>matmul.sm_90.&lt;key&gt;.cubin</c>.</summary>
    public string PathFor(string kernelFile, string architecture, string key) =>
        Path.Combine(Directory, $"{Path.GetFileNameWithoutExtension(kernelFile)}.{architecture}.{key}.cubin");

    /// <summary>
    /// The cubin for <paramref name="kernelFile"/>: read from disk when present, else compiled and written (through a
    /// temporary file and a rename, so concurrent processes never read half a file). <paramref name="fromCache"/> says which.
    /// </summary>
    public byte[] GetOrCompile(string kernelFile, string architecture, string key, Func<byte[]> compile, out bool fromCache)
    {
        var path = PathFor(kernelFile, architecture, key);
        if (File.Exists(path))
        {
            fromCache = true;
            return File.ReadAllBytes(path);
        }

        var cubin = compile();
        fromCache = false;
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temporary, cubin);
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException)
        {
            // A read-only or full disk costs a compile at the next start, nothing more.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }

        return cubin;
    }
}

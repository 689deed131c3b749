using System.IO.MemoryMappedFiles;

namespace GreenGateway.Inference.Formats;

/// <summary>A read-only memory mapping of a whole file: weights are read in place, never copied.</summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private bool _disposed;

    private MappedFile(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, long length)
    {
        Path = path;
        _file = file;
        _view = view;
        Pointer = pointer;
        Length = length;
    }

    public string Path { get; }

    public byte* Pointer { get; }

    public long Length { get; }

    public static MappedFile Open(string path)
    {
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new InvalidDataException($"'{path}' is empty.");
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        return new MappedFile(path, file, view, pointer + view.PointerOffset, length);
    }

    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new InvalidDataException($"'{Path}': range {offset}+{length} lies outside the file ({Length} bytes).");
        }

        return new ReadOnlySpan<byte>(Pointer + offset, length);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

using System.IO.MemoryMappedFiles;

namespace AlexNet.Training.Data;

/// <summary>
/// One shard file of the image cache, memory-mapped read-only: records of uint8 HWC pixels back to
/// back, where the index says (offset and shape). Reading a record touches only its pages, so the
/// operating system keeps in memory what was read lately and drops the rest under pressure: the
/// process does not hold the data set. A shard is written once and never changed; records the index
/// no longer lists (their files changed or went) are garbage until the cache compacts.
/// </summary>
public sealed unsafe class ImageShard : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _start;

    /// <summary>Maps <paramref name="path"/>, whose <paramref name="records"/> listed records end at byte <paramref name="usedBytes"/>.</summary>
    public ImageShard(string path, int records, long usedBytes)
    {
        long actual = new FileInfo(path).Length;
        if (actual < usedBytes)
        {
            throw new AppException($"The cache shard '{path}' has {actual} bytes; its index says its {records} records take {usedBytes} bytes (cut short or changed outside alexnet). Delete the folder '{Path.GetDirectoryName(path)}' and it is rebuilt from the images.");
        }
        Length = actual;
        if (actual == 0)
        {
            _file = null!;
            _view = null!;
            return;
        }
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, actual, MemoryMappedFileAccess.Read);
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _start);
        _start += _view.PointerOffset;
    }

    /// <summary>The file's size in bytes.</summary>
    public long Length { get; }

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>, read straight from the mapping.</summary>
    public ReadOnlySpan<byte> Bytes(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_start is null && Length > 0, this);
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset} … {offset + length} lie outside the shard's {Length}.");
        }
        return new ReadOnlySpan<byte>(_start + offset, length);
    }

    public void Dispose()
    {
        if (_start is not null)
        {
            _start = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}

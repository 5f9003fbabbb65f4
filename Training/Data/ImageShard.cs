using System.IO.MemoryMappedFiles;

namespace AlexNet.Training.Data;

/// <summary>
/// One shard file of the image cache, memory-mapped read-only: <see cref="Count"/> records of
/// <see cref="RecordLength"/> bytes (uint8 HWC) back to back. Reading a record touches only its pages,
/// so the operating system keeps in memory what was read lately and drops the rest under pressure:
/// the process does not hold the data set.
/// </summary>
public sealed unsafe class ImageShard : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _start;

    /// <summary>Maps <paramref name="path"/>, which must hold exactly <paramref name="count"/> records.</summary>
    public ImageShard(string path, int count, int recordLength)
    {
        long expected = (long)count * recordLength;
        long actual = new FileInfo(path).Length;
        if (actual != expected)
        {
            throw new InvalidDataException($"The cache shard '{path}' has {actual} bytes; its index says {count} records of {recordLength} bytes ({expected} bytes).");
        }
        Count = count;
        RecordLength = recordLength;
        if (count == 0)
        {
            _file = null!;
            _view = null!;
            return;
        }
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, expected, MemoryMappedFileAccess.Read);
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _start);
        _start += _view.PointerOffset;
    }

    public int Count { get; }

    public int RecordLength { get; }

    /// <summary>The bytes of record <paramref name="index"/>, read straight from the mapping.</summary>
    public ReadOnlySpan<byte> Record(int index)
    {
        ObjectDisposedException.ThrowIf(_start is null && Count > 0, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return new ReadOnlySpan<byte>(_start + ((long)index * RecordLength), RecordLength);
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

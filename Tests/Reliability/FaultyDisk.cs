using AlexNet.Training.Reliability;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// The local disk with injected faults: a chosen amount of free space, files whose names match a
/// pattern refused (as a read-only mount refuses them), or failing with "No space left on device"
/// after a number of bytes, from the n-th such file on.
/// </summary>
internal sealed class FaultyDisk : IDisk
{
    /// <summary>What <see cref="AvailableBytes"/> reports; null: the real value.</summary>
    public long? FreeBytes { get; init; }

    /// <summary>Files whose name contains this are faulty; null: none.</summary>
    public string? Matching { get; init; }

    /// <summary>How many matching files are written normally before the faults start.</summary>
    public int GoodFiles { get; init; }

    /// <summary>True: a faulty file cannot be created (read-only); false: writing it fails after <see cref="BytesBeforeFull"/> bytes (full).</summary>
    public bool ReadOnly { get; init; }

    public long BytesBeforeFull { get; init; }

    public int Created { get; private set; }

    public long AvailableBytes(string folder) => FreeBytes ?? LocalDisk.Instance.AvailableBytes(folder);

    public Stream CreateNew(string path, bool asynchronous = false)
    {
        if (Matching is null || !Path.GetFileName(path).Contains(Matching, StringComparison.Ordinal) || Created++ < GoodFiles)
        {
            return LocalDisk.Instance.CreateNew(path, asynchronous);
        }
        if (ReadOnly)
        {
            throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        }
        return new FullStream(LocalDisk.Instance.CreateNew(path, asynchronous), BytesBeforeFull);
    }

    /// <summary>A file on a disk that fills up after <c>room</c> bytes.</summary>
    private sealed class FullStream(Stream inner, long room) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > room)
            {
                throw new IOException("No space left on device : '" + (inner as FileStream)?.Name + "'");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

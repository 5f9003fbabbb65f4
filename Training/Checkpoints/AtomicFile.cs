using System.Runtime.InteropServices;
using AlexNet.Training.Reliability;

namespace AlexNet.Training.Checkpoints;

/// <summary>
/// Replaces a file so that readers only ever see the old or the new contents, never a mixture: the
/// new contents go to a temporary file in the same folder, are flushed to the disk, and the
/// temporary file is then renamed over the old one (an atomic step within one file system), and the
/// folder is flushed too, so the rename itself survives a power cut. If the writer throws, or the
/// process dies, the old file is untouched; a leftover temporary (its name starts with '.' and ends
/// with '.tmp') is harmless.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically, on <paramref name="disk"/> (default: the local one).</summary>
    public static void Write(string path, Action<Stream> write, IDisk? disk = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = (disk ?? LocalDisk.Instance).CreateNew(temporary))
            {
                write(stream);
                stream.Flush();
                (stream as FileStream)?.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        FlushFolder(folder);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Copies <paramref name="source"/> over <paramref name="destination"/>, atomically and flushed like <see cref="Write"/>.</summary>
    public static void Copy(string source, string destination, IDisk? disk = null)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Write(destination, input.CopyTo, disk);
    }

    /// <summary>
    /// Flushes a folder's entries (names, renames) to the disk. A file's own flush does not cover the
    /// folder entry that names it: POSIX asks for an fsync of the folder too. .NET cannot open a
    /// folder as a file, hence libc's open and fsync. On Windows, NTFS journals renames itself.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be opened or flushed.</exception>
    public static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int descriptor = Posix.Open(folder, Posix.ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"The folder '{folder}' could not be opened to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            // EINVAL: this file system cannot flush folders (some network and FUSE ones); there is nothing more to do.
            if (Posix.Fsync(descriptor) != 0 && Marshal.GetLastPInvokeError() is int error && error != Posix.InvalidArgument)
            {
                throw new IOException($"The folder '{folder}' could not be flushed to disk (errno {error}); a file renamed in it may not survive a power cut.");
            }
        }
        finally
        {
            _ = Posix.Close(descriptor);
        }
    }

    private static class Posix
    {
        public const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS; a folder can be opened with it
        public const int InvalidArgument = 22; // EINVAL, the same on Linux and macOS

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int descriptor);
    }
}

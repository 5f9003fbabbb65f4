namespace AlexNet.Training.Reliability;

/// <summary>
/// The two things the app asks of a disk besides reading: how much room is left, and a new file to
/// write. Checkpoints and downloads go through it, so tests can stand in a full or read-only disk
/// (which root, the usual CI user, cannot get from file permissions).
/// </summary>
public interface IDisk
{
    /// <summary>Bytes free to this user on the file system holding <paramref name="folder"/> (which exists).</summary>
    long AvailableBytes(string folder);

    /// <summary>Creates <paramref name="path"/>, which must not exist yet, for writing.</summary>
    Stream CreateNew(string path, bool asynchronous = false);
}

/// <summary>The machine's own file systems.</summary>
public sealed class LocalDisk : IDisk
{
    public static LocalDisk Instance { get; } = new();

    public long AvailableBytes(string folder) => new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;

    public Stream CreateNew(string path, bool asynchronous = false) =>
        new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, asynchronous);
}

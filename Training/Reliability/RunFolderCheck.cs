using System.Globalization;

namespace AlexNet.Training.Reliability;

/// <summary>
/// Checks a run folder before the first step, so that a read-only or full disk is found in a second
/// rather than after a whole epoch: a probe file is written and removed, and the free space must hold
/// two checkpoints (the new <c>last.safetensors</c> is written beside the old one before replacing
/// it, and <c>best.safetensors</c> is a copy).
/// </summary>
public static class RunFolderCheck
{
    /// <summary>Creates <paramref name="folder"/> if needed and checks that checkpoints of <paramref name="checkpointBytes"/> can be written there.</summary>
    /// <exception cref="AppException">The folder cannot be created or written, or the disk has too little room.</exception>
    public static void Ensure(string folder, long checkpointBytes, IDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        string probe = Path.Combine(folder, $".write-probe.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = disk.CreateNew(probe))
            {
                stream.WriteByte(0);
            }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(probe);
            throw new AppException($"The run folder {folder} cannot be written ({e.Message}); training would fail at its first checkpoint. "
                + "Expected a folder this user may write on a disk that is not full or mounted read-only: fix the folder, or run from another working directory.", e);
        }
        long free = disk.AvailableBytes(folder);
        if (free < 2 * checkpointBytes)
        {
            throw new AppException(string.Create(CultureInfo.InvariantCulture,
                $"The disk holding {folder} has {Megabytes(free)} free, but training needs room for two checkpoints of about {Megabytes(checkpointBytes)} each ({Megabytes(2 * checkpointBytes)}). Free some space, or run from a working directory on another disk."));
        }
    }

    /// <summary>"12.3 MB".</summary>
    public static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The probe may never have been created; a leftover one is cleaned on the next start.
        }
    }
}

using System.Globalization;

namespace AlexNet.Training.Reliability;

/// <summary>
/// Keeps a run folder to one training at a time. <c>run.lock</c> is held open with
/// <see cref="FileShare.None"/> for the whole training, which .NET turns into an exclusive OS lock
/// (<c>flock</c> on Linux and macOS, a sharing mode on Windows): the OS drops it when the process ends,
/// however it ends, so a SIGKILLed run leaves no lock behind, only the file, which the next training
/// locks again. Who holds the lock is written beside it to <c>run.lock.holder</c>, since the locked
/// file itself cannot be read by others. Both files stay in the folder; neither counts as a leftover.
/// Reading a run (evaluate, report) takes no lock.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The file held locked while a training writes the folder.</summary>
    public const string LockFile = "run.lock";

    /// <summary>Who holds the lock: process id, host and since when, one <c>key=value</c> a line.</summary>
    public const string HolderFile = "run.lock.holder";

    private readonly FileStream stream;
    private readonly string folder;

    private RunLock(FileStream stream, string folder)
    {
        this.stream = stream;
        this.folder = folder;
    }

    /// <summary>Creates <paramref name="runFolder"/> if needed and locks it for this process.</summary>
    /// <exception cref="AppException">Another process holds the lock (the message names it), or the folder cannot be written.</exception>
    public static RunLock Acquire(string runFolder)
    {
        string path = Path.Combine(runFolder, LockFile);
        FileStream stream;
        try
        {
            Directory.CreateDirectory(runFolder);
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            throw new AppException($"The run folder {runFolder} is in use by another training: {DescribeHolder(runFolder)}. "
                + "Two trainings writing one folder would overwrite each other's checkpoints; wait for that one to end (or stop it), or choose another --name. "
                + "evaluate and report can read the run meanwhile.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AppException($"The run folder {runFolder} cannot be written ({e.Message}); expected a folder this user may write on a disk that is not full or mounted read-only: fix the folder, or run from another working directory.", e);
        }
        try
        {
            string since = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            File.WriteAllText(Path.Combine(runFolder, HolderFile), $"pid={Environment.ProcessId}\nhost={Environment.MachineName}\nsince={since} UTC\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The lock is what keeps others out; without its holder file a refused training only names the folder.
        }
        return new RunLock(stream, runFolder);
    }

    /// <summary>Releases the lock (the file stays, for the next training to lock).</summary>
    public void Dispose() => stream.Dispose();

    /// <summary>
    /// Releases the lock and, when the folder holds nothing but the lock's two files, removes them and the
    /// folder: a fresh run that stopped before its first write (diverged, or refused its data) leaves nothing behind.
    /// </summary>
    public void ReleaseAndRemoveUnusedFolder()
    {
        stream.Dispose();
        try
        {
            if (Directory.EnumerateFileSystemEntries(folder).All(entry => Path.GetFileName(entry) is LockFile or HolderFile))
            {
                File.Delete(Path.Combine(folder, HolderFile));
                File.Delete(Path.Combine(folder, LockFile));
                Directory.Delete(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another training may have taken the folder meanwhile; an unused folder left behind is harmless.
        }
    }

    /// <summary>"process 1234 on host gpu7, training there since 2026-12-03 12:00:00 UTC", from the holder file.</summary>
    private static string DescribeHolder(string runFolder)
    {
        try
        {
            var fields = File.ReadAllLines(Path.Combine(runFolder, HolderFile)).Select(line => line.Split('=', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            if (fields.TryGetValue("pid", out string? pid) && fields.TryGetValue("host", out string? host) && fields.TryGetValue("since", out string? since))
            {
                return $"process {pid} on host {host}, training there since {since}";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Described below without it.
        }
        return $"a process whose {HolderFile} could not be read";
    }

    // Windows reports ERROR_SHARING_VIOLATION (32); .NET on Unix reports the errno of a refused flock: EWOULDBLOCK (11 on Linux, 35 on macOS).
    private static bool IsSharingViolation(IOException e) =>
        (e.HResult & 0xFFFF) == 32 || (!OperatingSystem.IsWindows() && e.HResult is 11 or 35);
}

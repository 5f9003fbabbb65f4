namespace AlexNet.Training.Cli;

/// <summary>
/// The one line the app prints for a failure that reached the top. Ours (<see cref="AppException"/>)
/// already say what was wrong and what was expected; the file system's own exceptions are worded here,
/// so that a path that is too long or a folder that cannot be written does not end as a raw .NET message.
/// </summary>
public static class ErrorMessages
{
    /// <summary>The message for <paramref name="e"/>, one sentence or a few, without a stack trace.</summary>
    public static string Explain(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            AppException => e.Message,
            PathTooLongException => $"A path is longer than this system allows ({e.Message.TrimEnd('.')}); expected a shorter path: move the data or the working folder higher up, or choose a shorter --name.",
            DirectoryNotFoundException => $"A folder is missing ({e.Message.TrimEnd('.')}); expected it to exist: check the path, or whether the disk was unmounted.",
            FileNotFoundException file => $"The file {file.FileName ?? "named"} does not exist ({e.Message.TrimEnd('.')}); check the path.",
            UnauthorizedAccessException => $"Permission denied ({e.Message.TrimEnd('.')}); expected a file or folder this user may read, and for runs/ and the data cache also write.",
            IOException => $"A file operation failed ({e.Message.TrimEnd('.')}); check that the disk is neither full nor read-only, and that the path names what was meant.",
            _ => $"{e.Message} ({e.GetType().Name}; run with --verbose for details)",
        };
    }
}

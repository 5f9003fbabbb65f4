namespace AlexNet.Training;

/// <summary>
/// A failure the user can act on: a missing file, a bad option value, a checkpoint that does not
/// match. The app prints its message as one line on stderr (no stack trace unless <c>--verbose</c>)
/// and exits non-zero: 2 when the command line itself is wrong (<see cref="Usage"/>), as for a parse
/// error, and 1 for everything else (data, files, checkpoints, disk, network, a diverged run, a run folder in use).
/// </summary>
public sealed class AppException : Exception
{
    public AppException(string message)
        : base(message)
    {
    }

    public AppException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the command line is wrong: an option's value, or options that do not go together.</summary>
    public bool IsUsageError { get; private init; }

    /// <summary>A mistake in the command line itself, found after parsing (exit code 2).</summary>
    public static AppException Usage(string message) => new(message) { IsUsageError = true };
}

namespace AlexNet.Training;

/// <summary>
/// A failure the user can act on: a missing file, a bad option value, a checkpoint that does not
/// match. The app prints its message as one line on stderr (no stack trace unless <c>--verbose</c>)
/// and exits non-zero.
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
}

namespace AlexNet.Training.Data;

/// <summary>
/// Where downloaded data sets live: <c>$ALEXNET_DATA</c> when set, else the user's cache folder
/// (<c>$XDG_CACHE_HOME/alexnet</c> or <c>~/.cache/alexnet</c> on Linux, <c>~/Library/Caches/alexnet</c>
/// on macOS, <c>%LOCALAPPDATA%\alexnet</c> on Windows).
/// </summary>
public static class DataCache
{
    /// <summary>The environment variable that overrides the cache folder.</summary>
    public const string EnvironmentVariable = "ALEXNET_DATA";

    /// <summary>The cache folder, read from <paramref name="environment"/> (a variable name → value lookup).</summary>
    public static string Root(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? configured = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "alexnet");
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS())
        {
            return Path.Combine(home, "Library", "Caches", "alexnet");
        }
        string? xdg = environment("XDG_CACHE_HOME");
        return Path.Combine(string.IsNullOrWhiteSpace(xdg) ? Path.Combine(home, ".cache") : xdg, "alexnet");
    }
}

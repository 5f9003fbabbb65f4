// The names an enum's values go by on the command line and in checkpoints, and their parsing with one error format.

namespace AlexNet.Training.Run;

/// <summary>
/// The names by which the command line and the checkpoint spell the values of an enum, in one
/// table: the code compares enum values, the user and the files see the names.
/// </summary>
/// <typeparam name="T">the enum</typeparam>
public sealed class NameTable<T>
    where T : struct, Enum
{
    private readonly (T Value, string Name)[] _entries;
    private readonly string _what;

    /// <param name="what">what the values are, for messages: "optimizer", "schedule", …</param>
    /// <param name="entries">every value with its name, the default or most common first</param>
    public NameTable(string what, params (T Value, string Name)[] entries)
    {
        _what = what;
        _entries = entries;
        var missing = Enum.GetValues<T>().Where(value => !entries.Any(entry => entry.Value.Equals(value))).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"The {what} names leave {string.Join(", ", missing)} out.", nameof(entries));
        }
        Names = [.. entries.Select(entry => entry.Name)];
    }

    /// <summary>Every name, in the table's order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The name of <paramref name="value"/>.</summary>
    public string this[T value] => _entries.First(entry => entry.Value.Equals(value)).Name;

    /// <summary>The value called <paramref name="name"/> (case-insensitive), or false.</summary>
    public bool TryParse(string? name, out T value)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = entry.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The value called <paramref name="name"/>; an unknown name is an <see cref="AppException"/> listing the known ones.</summary>
    public T Parse(string name) => TryParse(name, out T value)
        ? value
        : throw new AppException($"Unknown {_what} '{name}'; expected one of {string.Join(", ", Names)}.");
}

using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace AlexNet.Tests.Backends;

/// <summary>
/// Runs FsCheck properties with this project's settings: a small, fixed number of cases per
/// property (the suite must stay fast on two cores), and an optional replay seed.
/// <para>
/// A failure prints FsCheck's "Falsifiable, after N tests (0 shrinks) (seed,gamma)" and "Replay
/// directly at failing step with (seed,gamma,size)", then the failing case and our message (the
/// op, the largest difference and its multi-index). To rerun exactly that case, set
/// <c>ALEXNET_FSCHECK_REPLAY="seed,gamma,size"</c> and run only that test (<c>-method</c>).
/// </para>
/// </summary>
public static class Properties
{
    /// <summary>The environment variable holding a replay seed, "seed,gamma" as FsCheck prints it.</summary>
    public const string ReplayVariable = "ALEXNET_FSCHECK_REPLAY";

    /// <summary>Checks <paramref name="body"/> on <paramref name="maxTest"/> cases drawn from <paramref name="cases"/>; the body throws to fail.</summary>
    public static void Check<T>(Gen<T> cases, Action<T> body, int maxTest = 30)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true);
        string? replay = Environment.GetEnvironmentVariable(ReplayVariable);
        if (!string.IsNullOrWhiteSpace(replay))
        {
            config = config.WithReplay(FSharpOption<Replay>.Some(ParseReplay(replay)));
        }
        FsCheck.Check.One(config, Prop.ForAll(cases.ToArbitrary(), body));
    }

    /// <summary>Reads "seed,gamma" (replays the whole run) or "seed,gamma,size" (replays the failing step), as FsCheck prints them.</summary>
    private static Replay ParseReplay(string text)
    {
        var parts = text.Trim().Trim('(', ')').Split(',', StringSplitOptions.TrimEntries);
        var numbers = parts.Select(p => ulong.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) ? n : (ulong?)null).ToArray();
        if (parts.Length is < 2 or > 3 || numbers.Any(n => n is null) || (parts.Length == 3 && numbers[2] > int.MaxValue))
        {
            throw new ArgumentException($"{ReplayVariable} must be \"seed,gamma\" or \"seed,gamma,size\" as FsCheck prints them, but it is \"{text}\".");
        }
        var size = parts.Length == 3 ? FSharpOption<int>.Some((int)numbers[2]!.Value) : FSharpOption<int>.None;
        return new Replay(new Rnd(numbers[0]!.Value, numbers[1]!.Value), size);
    }
}

using System.CommandLine;
using AlexNet.Backends;
using AlexNet.Layers.Variants;
using AlexNet.Training.Data;

namespace AlexNet.Training.Cli;

/// <summary>Options several commands share, built fresh for each command so each can set its own defaults.</summary>
public static class CommonOptions
{
    /// <summary><c>--data DIR</c>: Oxford 17 Flowers (jpg/image_0001.jpg …) or one subfolder per class.</summary>
    public static Option<DirectoryInfo> Data() => new("--data")
    {
        Description = "The data folder: Oxford 17 Flowers as unpacked (jpg/image_0001.jpg …), or any folder with one subfolder of images per class. Default: Oxford 17 Flowers in the cache ($ALEXNET_DATA or ~/.cache/alexnet), downloaded on first use.",
        HelpName = "DIR",
    };

    /// <summary><c>--max-pixels N</c>: larger images are rejected from their header.</summary>
    public static Option<long> MaxPixels() => new Option<long>("--max-pixels")
    {
        Description = "Skip (with a warning) any image with more pixels than this, before decoding it.",
        DefaultValueFactory = _ => ImageDecoder.DefaultMaxPixels,
        HelpName = "N",
    }.AtLeast(1);

    /// <summary><c>--backend cpu|reference|cuda|cuda-emulated</c>.</summary>
    public static Option<string> Backend() => new Option<string>("--backend")
    {
        Description = "Where to compute: cpu (every machine), reference (the readable maths of every op, plain loops on one thread: very slow, for reading and stepping through in a debugger), cuda (an NVIDIA GPU), or cuda-emulated (the CUDA kernels run on the CPU through g++, for checking and debugging them; slow).",
        DefaultValueFactory = _ => "cpu",
        HelpName = "cpu|reference|cuda|cuda-emulated",
    }.AcceptOnlyFromAmong([.. BackendFactory.Names]);

    /// <summary><c>--threads N</c> for the CPU backend.</summary>
    public static Option<int> Threads() => new Option<int>("--threads")
    {
        Description = "CPU threads for the cpu backend (0 = one per logical processor).",
        DefaultValueFactory = _ => 0,
        HelpName = "N",
    }.AtLeast(0);

    /// <summary><c>--loader-threads N</c>: batches the input pipeline builds at once, one worker thread each.</summary>
    public static Option<int> LoaderThreads() => new Option<int>("--loader-threads")
    {
        Description = $"Batches the input pipeline builds at the same time, one worker thread each (default {InputPipeline.DefaultLoaderThreads}; Docs/performance.md says how many a GPU needs).",
        DefaultValueFactory = _ => InputPipeline.DefaultLoaderThreads,
        HelpName = "N",
    }.AtLeast(1);

    /// <summary><c>--prefetch N</c>: batches prepared ahead of the one the backend works on.</summary>
    public static Option<int> Prefetch() => new Option<int>("--prefetch")
    {
        Description = $"Batches prepared ahead of the one the backend works on: the loader's memory is (N + 1) batches (default {InputPipeline.DefaultPrefetch}).",
        DefaultValueFactory = _ => InputPipeline.DefaultPrefetch,
        HelpName = "N",
    }.AtLeast(1);

    /// <summary><c>--precision fp32|tf32</c>: the GEMMs' arithmetic (tf32 only with --backend cuda).</summary>
    public static Option<string> Precision() => new Option<string>("--precision")
    {
        Description = "The arithmetic of the GEMMs behind convolutions and dense layers: fp32 (the default, every backend) or tf32 (cuda only: cuBLAS's TF32 tensor cores on Ampere and newer, as PyTorch runs convolutions by default there).",
        DefaultValueFactory = _ => "fp32",
        HelpName = "fp32|tf32",
    }.AcceptOnlyFromAmong(["fp32", "tf32"]);

    /// <summary>The precision named by a <see cref="Precision"/> option's value.</summary>
    public static MatrixPrecision ParsePrecision(string name) => name == "tf32" ? MatrixPrecision.Tf32 : MatrixPrecision.Fp32;

    /// <summary><c>--model NAME</c>.</summary>
    public static Option<string> Model(string defaultModel) => new Option<string>("--model")
    {
        Description = "The network: " + string.Join("; ", ModelVariants.All.Select(v => $"{v.Name} ({v.InputShape[1]}x{v.InputShape[2]})")) + ".",
        DefaultValueFactory = _ => defaultModel,
        HelpName = "NAME",
    }.AcceptOnlyFromAmong([.. ModelVariants.Names]);

    /// <summary><c>--norm lrn|batch|none</c>; without it the model's own.</summary>
    public static Option<string> Norm() => new Option<string>("--norm")
    {
        Description = "How the convolutions are normalized: lrn (the paper's LRN after the ReLUs of layers 1 and 2), batch (batch normalization after "
            + "every convolution, before its ReLU, in place of LRN; those convolutions lose their biases, which it would cancel) or none. "
            + "Default: the model's own: " + string.Join("; ", ModelVariants.All.Select(v => $"{v.Name} {string.Join("|", v.Normalizations)}")) + " (the first is its own).",
        HelpName = "lrn|batch|none",
    }.AcceptOnlyFromAmong([.. Run.RunNames.Normalizations.Names]);

    /// <summary>The normalization <c>--norm</c> gave (null: none given, the variant's own).</summary>
    /// <exception cref="AppException"><paramref name="variant"/> cannot be built with it.</exception>
    public static Run.NormKind? ParseNorm(string? name, ModelVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        if (name is null)
        {
            return null;
        }
        var norm = Run.RunNames.Normalizations.Parse(name);
        return Run.RunNames.Accepts(variant, norm)
            ? norm
            : throw AppException.Usage($"--norm {name} does not apply to {variant.Name}, which is built with {string.Join(" or ", variant.Normalizations)} (its own: {variant.Normalizations[0]}).");
    }

    /// <summary><c>--batch-size N</c>; without it a command uses its own default.</summary>
    public static Option<int?> BatchSize(string description) => new("--batch-size")
    {
        Description = description,
        HelpName = "N",
    };

    /// <summary><c>--tta</c>: the paper's 10-crop test.</summary>
    public static Option<bool> TenCrop(string description) => new("--tta") { Description = description };

    /// <summary>
    /// For the cpu backend, the GEMM blocking measured on this processor by <c>alexnet bench --tune-gemm</c>
    /// (measured again if its file cannot be trusted); null for other backends or when nothing was measured,
    /// and then the backend derives its blocking from the caches (Benchmarking/GemmTuning.cs).
    /// </summary>
    public static Backends.Cpu.GemmBlocking? TunedBlocking(AppContext app, string backendName, int threads) =>
        string.Equals(backendName.Trim(), "cpu", StringComparison.OrdinalIgnoreCase)
            ? Benchmarking.GemmTuning.Resolve(DataCache.Root(app.Environment), threads, app.WriteLine)
            : null;

    /// <summary>Creates the backend named by <paramref name="name"/>, turning "not available" into a clear app error.</summary>
    /// <exception cref="AppException">The backend cannot start here, or <paramref name="precision"/> asks for TF32 where only fp32 exists.</exception>
    public static IBackend CreateBackend(string name, int threads, MatrixPrecision precision = MatrixPrecision.Fp32, Backends.Cpu.GemmBlocking? gemmBlocking = null)
    {
        if (precision == MatrixPrecision.Tf32 && !string.Equals(name.Trim(), "cuda", StringComparison.OrdinalIgnoreCase))
        {
            throw AppException.Usage($"--precision tf32 asks cuBLAS for TF32 tensor cores; the {name} backend computes in fp32 only. Leave --precision out, or use --backend cuda.");
        }
        if (threads > Environment.ProcessorCount)
        {
            // More threads than processors only adds switching: the cpu backend's work is compute-bound.
            throw AppException.Usage($"--threads {threads} is more than this machine's {Environment.ProcessorCount} logical processors; expected 0 (one per processor) to {Environment.ProcessorCount}.");
        }
        try
        {
            return BackendFactory.Create(name, new BackendOptions { Threads = threads, Precision = precision, GemmBlocking = gemmBlocking });
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            // A backend that exists but cannot start here (no GPU, no driver, not built) fails loudly, never falls back.
            throw new AppException($"The {name} backend cannot run here: {e.Message}", e);
        }
    }

    /// <summary>Adds a check that the option's value, when given, is at least <paramref name="minimum"/>.</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int minimum) => AddMinimum(option, minimum);

    /// <summary>Adds a check that the option's value, when given, is at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int minimum) => AddMinimum(option, minimum);

    /// <summary>Adds a check that the option's value, when given, is at least <paramref name="minimum"/>.</summary>
    public static Option<long> AtLeast(this Option<long> option, long minimum) => AddMinimum(option, minimum);

    private static T AddMinimum<T>(T option, long minimum)
        where T : Option
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            // Only a token that parsed as a number is checked here; the parser already reports the rest.
            if (result.Tokens.Count > 0 && long.TryParse(result.Tokens[^1].Value, System.Globalization.CultureInfo.InvariantCulture, out long value) && value < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}, not {value}.");
            }
        });
        return option;
    }

    /// <summary>Adds a check that the option's value is one folder name (so it cannot point outside the folder it is created in).</summary>
    public static Option<string> FolderName(this Option<string> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0)
            {
                return;
            }
            string value = result.Tokens[^1].Value;
            string? problem = string.IsNullOrWhiteSpace(value) ? "is empty"
                : value is "." or ".." ? "names a folder above or at runs/, not a folder in it"
                : value.IndexOfAny(['/', '\\']) >= 0 ? "is a path"
                : value.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ? "holds a character a folder name cannot have"
                : null;
            if (problem is not null)
            {
                result.AddError($"{option.Name} '{value}' {problem}; expected a plain folder name such as my-run, without '/' or '\\', and not '.' or '..'.");
            }
        });
        return option;
    }

    /// <summary>An absolute http(s) address, or null when <paramref name="text"/> is null.</summary>
    /// <param name="text">the address</param>
    /// <param name="fromCommandLine">true for <c>--url</c> (a wrong value is a usage error, exit code 2), false for an environment variable</param>
    public static Uri? ParseUrl(string? text, bool fromCommandLine = true)
    {
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            string message = $"'{text}' is not a download address; expected an absolute http:// or https:// URL.";
            throw fromCommandLine ? AppException.Usage(message) : new AppException(message);
        }
        return url;
    }
}

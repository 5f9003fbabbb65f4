using System.Globalization;
using System.Text.Json;
using AlexNet.Layers;
using AlexNet.Tensors;
using AlexNet.Training.Optimization;

namespace AlexNet.Training.Checkpoints;

/// <summary>
/// A training checkpoint as a safetensors file: the model's parameters and state tensors under their
/// own names (<c>conv1.weight</c>, <c>bn1.running_mean</c>), the optimizer's state
/// (<c>optimizer.velocity.conv1.weight</c>), the epoch's data order (<c>data.order</c>, int32), and
/// in the metadata the <see cref="TrainingState"/> plus a few plain keys other tools can read
/// (<c>model</c>, <c>classes</c>, <c>class_names</c>, <c>epoch</c>).
/// </summary>
public sealed class Checkpoint
{
    /// <summary>The metadata key and value that mark our checkpoints.</summary>
    public const string FormatKey = "format", FormatValue = "alexnet-from-scratch checkpoint 1";

    /// <summary>The tensor holding the order of the epoch in progress.</summary>
    public const string DataOrderName = "data.order";

    private const string OptimizerPrefix = "optimizer.";

    private Checkpoint(string path, TrainingState state, IReadOnlyDictionary<string, SafeTensor> tensors)
    {
        Path = path;
        State = state;
        Tensors = tensors;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    public TrainingState State { get; }

    /// <summary>Every tensor in the file, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> Tensors { get; }

    /// <summary>The data order of the epoch in progress.</summary>
    public int[] DataOrder => Tensors.TryGetValue(DataOrderName, out var order) ? order.ToInts() : [];

    /// <summary>
    /// Writes a checkpoint atomically: the previous file at <paramref name="path"/> survives any failure.
    /// Without an optimizer (imported weights) the file holds no optimizer state, so it cannot be resumed,
    /// only loaded for evaluation, prediction, export and <c>train --init-from</c>.
    /// </summary>
    /// <exception cref="AppException">A tensor holds NaN or infinite values; nothing is written.</exception>
    public static void Save(string path, TrainingState state, Sequential model, Optimizer? optimizer, ReadOnlySpan<int> dataOrder, Reliability.IDisk? disk = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new List<SafeTensor>();
        foreach (var parameter in model.Parameters)
        {
            tensors.Add(Download(parameter.Name, parameter.Value));
        }
        foreach (var buffer in model.Buffers)
        {
            tensors.Add(Download(buffer.Name, buffer.Value));
        }
        foreach (var (name, tensor) in optimizer?.State ?? [])
        {
            tensors.Add(Download(name, tensor));
        }
        // A diverged run must never replace the last good checkpoint with NaN or infinite weights.
        if (FiniteTensorCheck.FirstBroken(tensors) is { } broken)
        {
            throw new AppException($"'{System.IO.Path.GetFullPath(path)}' was not written: {FiniteTensorCheck.Describe(broken)} (the training diverged), so the file on disk is untouched. Try a smaller --lr.");
        }
        tensors.Add(SafeTensor.I32(DataOrderName, [dataOrder.Length], dataOrder));
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = FormatValue,
            ["model"] = state.Model,
            ["classes"] = state.ClassNames.Count.ToString(CultureInfo.InvariantCulture),
            ["class_names"] = JsonSerializer.Serialize(state.ClassNames),
            ["epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            ["state"] = state.ToJson(),
        };
        AtomicFile.Write(path, stream => SafeTensors.Write(stream, tensors, metadata), disk);
    }

    /// <summary>Reads and validates a checkpoint file (format, header, state); does not touch a model.</summary>
    /// <exception cref="AppException">The file is missing, not a safetensors file, damaged, not one of our checkpoints, or its state is unusable; the message says which.</exception>
    public static Checkpoint Read(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new AppException(Directory.Exists(full)
                ? $"'{full}' is a folder; --checkpoint expects a file such as {System.IO.Path.Combine(full, "best.safetensors")}."
                : $"The checkpoint '{full}' does not exist.");
        }
        try
        {
            using var stream = File.OpenRead(full);
            var (tensors, metadata) = SafeTensors.Read(stream);
            if (!metadata.TryGetValue(FormatKey, out string? format) || format != FormatValue || !metadata.TryGetValue("state", out string? json))
            {
                throw new AppException($"'{full}' is a safetensors file but not an alexnet checkpoint (its metadata has no '{FormatKey}: {FormatValue}' and 'state').");
            }
            var state = TrainingState.FromJson(json);
            var problems = TrainingStateValidation.Problems(state).ToList();
            if (metadata.TryGetValue("model", out string? model) && model != state.Model)
            {
                problems.Add($"the metadata says model '{model}', the training state '{state.Model}'");
            }
            if (metadata.TryGetValue("classes", out string? classes) && state.ClassNames is not null && classes != state.ClassNames.Count.ToString(CultureInfo.InvariantCulture))
            {
                problems.Add($"the metadata says {classes} classes, the training state names {state.ClassNames.Count}");
            }
            if (problems.Count > 0)
            {
                throw new AppException($"The checkpoint '{full}' has an unusable training state: {string.Join("; ", problems)}.");
            }
            if (FiniteTensorCheck.FirstBroken(tensors) is { } broken)
            {
                throw new AppException($"The checkpoint '{full}' is unusable: {FiniteTensorCheck.Describe(broken)}, so it would evaluate and train as NaN. Use an earlier checkpoint of the run (best.safetensors), or train again with a smaller --lr.");
            }
            return new Checkpoint(full, state, tensors.ToDictionary(t => t.Name, StringComparer.Ordinal));
        }
        catch (InvalidDataException e)
        {
            throw new AppException($"The checkpoint '{full}' is damaged: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new AppException($"The checkpoint '{full}' has an unreadable training state: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads the model's parameters, state tensors and counters (and, when given, the optimizer's
    /// state) after checking every name, dtype and shape; a mismatch lists everything that differs.
    /// </summary>
    /// <exception cref="AppException">The checkpoint does not fit the model.</exception>
    public void Restore(Sequential model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        var expected = new List<(string Name, Tensor Tensor)>();
        expected.AddRange(model.Parameters.Select(p => (p.Name, p.Value)));
        expected.AddRange(model.Buffers.Select(b => (b.Name, b.Value)));
        if (optimizer is not null)
        {
            expected.AddRange(optimizer.State);
        }
        var problems = new List<string>();
        foreach (var (name, tensor) in expected)
        {
            if (!Tensors.TryGetValue(name, out var stored))
            {
                problems.Add($"{name} {tensor.Shape} is missing");
            }
            else if (stored.DType != "F32")
            {
                problems.Add($"{name} is {stored.DType}, expected F32");
            }
            else if (!stored.Shape.SequenceEqual(tensor.Shape.ToArray()))
            {
                problems.Add($"{name} has shape [{string.Join(", ", stored.Shape)}] in the file, the model needs {tensor.Shape}");
            }
        }
        var known = expected.Select(e => e.Name).Append(DataOrderName).ToHashSet(StringComparer.Ordinal);
        var unexpected = Tensors.Keys.Where(name => !known.Contains(name) && !(optimizer is null && name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))).ToList();
        if (unexpected.Count > 0)
        {
            problems.Add($"unexpected tensors {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")}");
        }
        var missingCounters = model.Counters.Where(c => !State.Counters.ContainsKey(c.Name)).Select(c => c.Name).ToList();
        if (missingCounters.Count > 0)
        {
            problems.Add($"counters {string.Join(", ", missingCounters)} are missing");
        }
        if (problems.Count > 0)
        {
            throw new AppException($"The checkpoint '{Path}' ({State.Model}, {State.ClassNames.Count} classes) does not fit the model {model.Name} with {model.OutputShape(1)[1]} classes: {string.Join("; ", problems)}.");
        }
        foreach (var (name, tensor) in expected)
        {
            tensor.Device.Upload(Tensors[name].AsFloats(), tensor);
        }
        foreach (var counter in model.Counters)
        {
            counter.Value = State.Counters[counter.Name];
        }
        if (optimizer is not null)
        {
            optimizer.Steps = State.OptimizerSteps;
        }
    }

    /// <summary>About how many bytes a checkpoint of <paramref name="model"/> and <paramref name="optimizer"/> takes: every float, the data order, and room for the header.</summary>
    public static long EstimateBytes(Sequential model, Optimizer optimizer, int trainingImages)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        long floats = model.Parameters.Sum(p => (long)p.Value.Length) + model.Buffers.Sum(b => (long)b.Value.Length) + optimizer.State.Sum(s => (long)s.Tensor.Length);
        return ((floats + trainingImages) * sizeof(float)) + (1L << 20);
    }

    /// <summary>Downloads a tensor straight into the little-endian bytes the file stores (no intermediate float array).</summary>
    private static SafeTensor Download(string name, Tensor tensor)
    {
        var bytes = new byte[(long)tensor.Length * sizeof(float)];
        tensor.Device.Download(tensor, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
        return new SafeTensor(name, "F32", tensor.Shape.ToArray(), bytes);
    }
}

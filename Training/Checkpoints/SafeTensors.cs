using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace AlexNet.Training.Checkpoints;

/// <summary>One tensor of a safetensors file: its name, element type, shape and raw little-endian bytes.</summary>
public sealed record SafeTensor(string Name, string DType, int[] Shape, byte[] Data)
{
    /// <summary>A float32 tensor.</summary>
    public static SafeTensor F32(string name, int[] shape, ReadOnlySpan<float> values) => new(name, "F32", shape, LittleEndian(values));

    /// <summary>An int32 tensor.</summary>
    public static SafeTensor I32(string name, int[] shape, ReadOnlySpan<int> values) => new(name, "I32", shape, LittleEndian(values));

    /// <summary>The values of an F32 tensor.</summary>
    public float[] ToFloats() => FromLittleEndian<float>("F32");

    /// <summary>The values of an F32 tensor, read in place (no copy).</summary>
    public ReadOnlySpan<float> AsFloats()
    {
        if (DType != "F32" || !BitConverter.IsLittleEndian)
        {
            throw new InvalidDataException($"Tensor '{Name}' has dtype {DType}, expected F32 (little-endian).");
        }
        return MemoryMarshal.Cast<byte, float>(Data);
    }

    /// <summary>The values of an I32 tensor.</summary>
    public int[] ToInts() => FromLittleEndian<int>("I32");

    private T[] FromLittleEndian<T>(string expected)
        where T : unmanaged
    {
        if (DType != expected)
        {
            throw new InvalidDataException($"Tensor '{Name}' has dtype {DType}, expected {expected}.");
        }
        var values = MemoryMarshal.Cast<byte, T>(Data).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian machines are not supported.");
        }
        return values;
    }

    private static byte[] LittleEndian<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian machines are not supported.");
        }
        return MemoryMarshal.AsBytes(values).ToArray();
    }
}

/// <summary>
/// The safetensors format (Hugging Face), so checkpoints load in other tools: an 8-byte little-endian
/// header length N, N bytes of JSON — <c>{"__metadata__": {string: string}, "name": {"dtype": "F32",
/// "shape": [..], "data_offsets": [begin, end]}, …}</c>, padded with spaces to a multiple of 8 — then
/// the tensors' raw little-endian bytes, back to back. Reading checks everything a damaged or foreign
/// file could get wrong and says exactly what.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>Writes <paramref name="tensors"/> (in order) and <paramref name="metadata"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata)
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
            long offset = 0;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tensor in tensors)
            {
                if (!names.Add(tensor.Name) || tensor.Name == "__metadata__")
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is used twice or reserved.", nameof(tensors));
                }
                CheckSize(tensor.Name, tensor.DType, tensor.Shape, tensor.Data.LongLength);
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType);
                writer.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Data.LongLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Data.LongLength;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - (json.Length % 8)) % 8);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        stream.Write(length);
        json.Position = 0;
        json.CopyTo(stream);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }
        foreach (var tensor in tensors)
        {
            stream.Write(tensor.Data);
        }
    }

    /// <summary>Reads and validates a whole safetensors file.</summary>
    /// <exception cref="InvalidDataException">What is wrong with the file, precisely.</exception>
    public static (IReadOnlyList<SafeTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new InvalidDataException($"The file has {fileLength} bytes; a safetensors file starts with an 8-byte header length.");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
        {
            throw new InvalidDataException($"The header length is {headerLength:N0} bytes, but the file has {fileLength - 8:N0} bytes after the length field (and the limit is {MaxHeaderBytes:N0}); not a safetensors file, or a truncated one.");
        }
        if (headerLength < 2)
        {
            throw new InvalidDataException($"The header length is {headerLength}; the smallest header, {{}}, has 2 bytes.");
        }
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)headerLength;
        var entries = ParseHeader(header, dataLength, out var metadata);
        var tensors = new List<SafeTensor>(entries.Count);
        long dataStart = 8 + (long)headerLength;
        foreach (var entry in entries)
        {
            var data = new byte[entry.End - entry.Begin];
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(data);
            tensors.Add(new SafeTensor(entry.Name, entry.DType, entry.Shape, data));
        }
        return (tensors, metadata);
    }

    private sealed record Entry(string Name, string DType, int[] Shape, long Begin, long End);

    private static List<Entry> ParseHeader(byte[] header, long dataLength, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Encoding.UTF8.GetString(header).TrimEnd(' '));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"The header is a JSON {document.RootElement.ValueKind}; expected an object of tensors.");
            }
            var entries = new List<Entry>();
            // JSON allows a key twice, but then one of two tensors (or values) would silently win.
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new InvalidDataException($"The header names '{property.Name}' twice; every tensor name (and __metadata__) must appear once.");
                }
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new InvalidDataException("__metadata__ must be an object of strings.");
                    }
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        string value = item.Value.ValueKind == JsonValueKind.String
                            ? item.Value.GetString()!
                            : throw new InvalidDataException($"__metadata__ value '{item.Name}' is a JSON {item.Value.ValueKind}; metadata values must be strings.");
                        if (!metadata.TryAdd(item.Name, value))
                        {
                            throw new InvalidDataException($"__metadata__ has the key '{item.Name}' twice; every key must appear once.");
                        }
                    }
                    continue;
                }
                entries.Add(ParseEntry(property));
            }
            CheckLayout(entries, dataLength);
            return entries;
        }
    }

    private static Entry ParseEntry(JsonProperty property)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object ||
            !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String ||
            !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array ||
            !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"Tensor '{name}' needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" (an array).");
        }
        string dtype = dtypeElement.GetString()!;
        if (!ElementSizes.ContainsKey(dtype))
        {
            throw new InvalidDataException($"Tensor '{name}' has unknown dtype '{dtype}'; expected one of {string.Join(", ", ElementSizes.Keys)}.");
        }
        var shape = new List<int>();
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int d) || d < 0)
            {
                throw new InvalidDataException($"Tensor '{name}' has a shape entry {dimension.GetRawText()}; dimensions are non-negative integers.");
            }
            shape.Add(d);
        }
        var offsets = offsetsElement.EnumerateArray().ToList();
        if (offsets.Count != 2 || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw new InvalidDataException($"Tensor '{name}' has data_offsets {offsetsElement.GetRawText()}; expected [begin, end] with 0 ≤ begin ≤ end.");
        }
        CheckSize(name, dtype, [.. shape], end - begin);
        return new Entry(name, dtype, [.. shape], begin, end);
    }

    private static void CheckSize(string name, string dtype, int[] shape, long byteLength)
    {
        if (!ElementSizes.TryGetValue(dtype, out int size))
        {
            throw new ArgumentException($"Tensor '{name}' has unknown dtype '{dtype}'.");
        }
        long expected = size;
        foreach (int dimension in shape)
        {
            expected *= dimension;
        }
        if (expected != byteLength)
        {
            throw new InvalidDataException($"Tensor '{name}' of dtype {dtype} and shape [{string.Join(", ", shape)}] needs {expected:N0} bytes, but its data has {byteLength:N0}.");
        }
    }

    /// <summary>Offsets must lie inside the data, must not overlap, and must leave no holes (as the format requires).</summary>
    private static void CheckLayout(List<Entry> entries, long dataLength)
    {
        long position = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.End > dataLength)
            {
                throw new InvalidDataException($"Tensor '{entry.Name}' ends at byte {entry.End:N0} of the data, but the data has only {dataLength:N0} bytes (a truncated file?).");
            }
            if (entry.Begin < position)
            {
                throw new InvalidDataException($"Tensor '{entry.Name}' (bytes {entry.Begin:N0}–{entry.End:N0}) overlaps the tensor before it (which ends at {position:N0}).");
            }
            if (entry.Begin > position)
            {
                throw new InvalidDataException($"The data has a hole at bytes {position:N0}–{entry.Begin:N0} before tensor '{entry.Name}'; every byte must belong to a tensor.");
            }
            position = entry.End;
        }
        if (position != dataLength)
        {
            throw new InvalidDataException($"The data has {dataLength:N0} bytes, but the tensors cover only {position:N0}; trailing bytes are not allowed.");
        }
    }
}

using System.Buffers.Binary;
using System.Text;
using AlexNet.Training.Checkpoints;

namespace AlexNet.Tests.Training;

public sealed class CheckpointFormatTests
{
    private static readonly SafeTensor[] Tensors =
    [
        SafeTensor.F32("conv1.weight", [2, 3], [1f, -2f, 3.5f, float.Epsilon, -0f, 1e30f]),
        SafeTensor.I32("data.order", [4], [3, 1, 0, 2]),
        SafeTensor.F32("empty", [0], []),
    ];

    private static byte[] Written(IReadOnlyList<SafeTensor>? tensors = null, Dictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors ?? Tensors, metadata ?? new() { ["model"] = "mini", ["classes"] = "4" });
        return stream.ToArray();
    }

    /// <summary>A file with the given JSON header (padded to 8 bytes) and data.</summary>
    private static byte[] Raw(string header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    private static string ReadError(byte[] file) =>
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(file))).Message;

    [Fact]
    public void Round_trip_keeps_names_shapes_values_and_metadata()
    {
        var (tensors, metadata) = SafeTensors.Read(new MemoryStream(Written()));

        Assert.Equal(["conv1.weight", "data.order", "empty"], tensors.Select(t => t.Name));
        Assert.Equal([2, 3], tensors[0].Shape);
        Assert.Equal(Tensors[0].ToFloats(), tensors[0].ToFloats());
        Assert.Equal([3, 1, 0, 2], tensors[1].ToInts());
        Assert.Empty(tensors[2].ToFloats());
        Assert.Equal("mini", metadata["model"]);
    }

    [Fact]
    public void File_layout_follows_the_safetensors_format()
    {
        byte[] file = Written();

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, (int)headerLength);
        Assert.Equal(0UL, headerLength % 8);
        Assert.StartsWith("{\"__metadata__\":{\"model\":\"mini\",\"classes\":\"4\"},\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}", header, StringComparison.Ordinal);
        Assert.Equal(8 + (int)headerLength + 24 + 16, file.Length);
        Assert.Equal(-2f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(8 + (int)headerLength + 4)));
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "ends at byte 8 of the data, but the data has only 4 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "hole at bytes 0–4")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "trailing bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype 'F33'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "shape [3] needs 12 bytes, but its data has 8")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0, "non-negative integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8, "0 ≤ begin ≤ end")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "needs \"dtype\"")]
    [InlineData("{\"__metadata__\":{\"epoch\":3}}", 0, "must be strings")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "The header names 'a' twice")]
    [InlineData("{\"__metadata__\":{\"model\":\"mini\",\"model\":\"alexnet\"}}", 0, "__metadata__ has the key 'model' twice")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "The header names '__metadata__' twice")]
    [InlineData("[1, 2]", 0, "expected an object")]
    [InlineData("{\"a\": ", 0, "not valid JSON")]
    public void Damaged_headers_say_precisely_what_is_wrong(string header, int dataBytes, string expected)
    {
        Assert.Contains(expected, ReadError(Raw(header, dataBytes)), StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_refused()
    {
        byte[] file = Written();
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);

        Assert.Contains("truncated", ReadError(file), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_file_is_refused()
    {
        byte[] file = Written();

        Assert.Contains("ends at byte", ReadError(file[..^4]), StringComparison.Ordinal);
        Assert.Contains("8-byte header length", ReadError(file[..5]), StringComparison.Ordinal);
    }

    [Fact]
    public void Atomic_write_replaces_the_file_completely()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("last.safetensors");
        File.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "new contents");

        Assert.Equal("new contents", File.ReadAllText(path));
        Assert.Equal(["last.safetensors"], Directory.EnumerateFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Atomic_copy_replaces_the_destination_with_the_source_bytes()
    {
        using var folder = TestFiles.NewFolder();
        byte[] checkpoint = Written();
        File.WriteAllBytes(folder.Combine("last.safetensors"), checkpoint);
        File.WriteAllText(folder.Combine("best.safetensors"), "an older best");

        AtomicFile.Copy(folder.Combine("last.safetensors"), folder.Combine("best.safetensors"));

        Assert.Equal(checkpoint, File.ReadAllBytes(folder.Combine("best.safetensors")));
        Assert.Equal(["best.safetensors", "last.safetensors"], Directory.EnumerateFiles(folder.Path).Select(Path.GetFileName).Order());
        Assert.Throws<FileNotFoundException>(() => AtomicFile.Copy(folder.Combine("missing"), folder.Combine("best.safetensors")));
        Assert.Equal(checkpoint, File.ReadAllBytes(folder.Combine("best.safetensors")));
    }

    [Fact]
    public void A_folder_is_flushed_after_a_rename_and_a_missing_one_is_named()
    {
        using var folder = TestFiles.NewFolder();

        AtomicFile.FlushFolder(folder.Path);
        var error = Assert.Throws<IOException>(() => AtomicFile.FlushFolder(folder.Combine("gone")));

        Assert.Contains($"'{folder.Combine("gone")}' could not be opened", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Crash_in_the_middle_of_a_write_keeps_the_previous_file()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("last.safetensors");
        byte[] good = Written();
        File.WriteAllBytes(path, good);

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(Written(), 0, 100);
            throw new IOException("simulated crash: disk full");
        }));

        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(["last.safetensors"], Directory.EnumerateFiles(folder.Path).Select(Path.GetFileName));
        SafeTensors.Read(File.OpenRead(path)).Tensors.ToList().ForEach(t => Assert.NotNull(t.Data));
    }

    [Fact]
    public void A_checkpoint_with_non_finite_weights_is_refused_and_the_previous_file_kept()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("last.safetensors");
        byte[] good = Written();
        File.WriteAllBytes(path, good);
        using var backend = AlexNet.Training.Cli.CommonOptions.CreateBackend("cpu", 1);
        using var model = AlexNet.Layers.Variants.ModelVariants.Get("mini").Build(backend, classes: 4, seed: 1);
        using var optimizer = new AlexNet.Training.Optimization.Optimizer(TestStates.Mini().Optimizer, model.Parameters, backend);
        var weight = model.Parameters[^1];
        backend.Upload(Enumerable.Repeat(float.NaN, weight.Value.Length).ToArray(), weight.Value);

        var error = Assert.Throws<AlexNet.Training.AppException>(() => Checkpoint.Save(path, TestStates.Mini(), model, optimizer, []));

        Assert.Contains($"{weight.Name} holds NaN or infinite values", error.Message, StringComparison.Ordinal);
        Assert.Equal(good, File.ReadAllBytes(path));
    }
}

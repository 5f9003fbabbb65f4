using System.Diagnostics;
using System.Reflection;
using AlexNet.Backends.Cpu;
using AlexNet.Tensors;

namespace AlexNet.Tests.Tensors;

/// <summary>The tensor type as a user meets it: debugger display, statistics, reshaped views, disposal, errors.</summary>
public sealed class TensorTests
{
    [Fact]
    public void The_debugger_shows_name_shape_device_and_statistics()
    {
        using var backend = new CpuBackend();
        using var tensor = backend.Allocate(new Shape(2, 3), "fc8.output");
        backend.Upload([1, 2, 3, 4, 5, 6], tensor);

        var display = typeof(Tensor).GetCustomAttribute<DebuggerDisplayAttribute>();
        Assert.NotNull(display);
        string shown = (string)typeof(Tensor).GetProperty("DebuggerDisplay", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(tensor)!;
        Assert.Equal("fc8.output [2, 3] on cpu  min 1 max 6 mean 3.5 std 1.708", shown);

        tensor.Dispose();
        shown = (string)typeof(Tensor).GetProperty("DebuggerDisplay", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(tensor)!;
        Assert.EndsWith("(disposed)", shown);
    }

    [Fact]
    public void The_debugger_view_previews_the_first_values_row_by_row()
    {
        using var backend = new CpuBackend();
        using var tensor = backend.Allocate(new Shape(1, 2, 2, 3), "image");
        backend.Upload([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], tensor);

        var proxy = typeof(Tensor).GetCustomAttribute<DebuggerTypeProxyAttribute>()!;
        var viewType = typeof(Tensor).Assembly.GetType(proxy.ProxyTypeName.Split(',')[0])!;
        object view = Activator.CreateInstance(viewType, tensor)!;
        var preview = (string[])viewType.GetProperty("Preview")!.GetValue(view)!;
        Assert.Equal(["[0, 0, 0, :] 0 1 2", "[0, 0, 1, :] 3 4 5", "[0, 1, 0, :] 6 7 8", "[0, 1, 1, :] 9 10 11"], preview);
        var statistics = (TensorStatistics)viewType.GetProperty("Statistics")!.GetValue(view)!;
        Assert.Equal(11f, statistics.Max);
    }

    [Fact]
    public void Statistics_count_NaN_and_infinity_and_leave_them_out()
    {
        var statistics = TensorStatistics.Of([1f, float.NaN, 3f, float.PositiveInfinity]);
        Assert.Equal((1, 1), (statistics.NaNs, statistics.Infinities));
        Assert.Equal((1f, 3f, 2f, 1f), (statistics.Min, statistics.Max, statistics.Mean, statistics.Std));
        Assert.Contains("NaN×1", statistics.ToString());
    }

    [Fact]
    public void A_reshaped_view_shares_values_and_leaves_them_to_the_owner()
    {
        using var backend = new CpuBackend();
        var owner = backend.Allocate(new Shape(2, 3, 2, 2), "pool5.output");
        var flat = owner.Reshape(new Shape(2, 12));
        Assert.True(flat.IsView);
        Assert.Equal("pool5.output", flat.Name);
        backend.Fill(7f, flat);
        Assert.All(owner.ToArray(), v => Assert.Equal(7f, v));

        flat.Dispose();
        Assert.False(owner.IsDisposed);
        owner.Dispose();
        Assert.True(flat.IsDisposed);
        Assert.Throws<ArgumentException>(() => owner.Reshape(new Shape(5)));
    }

    [Fact]
    public void A_reshape_to_another_length_names_both_shapes()
    {
        using var backend = new CpuBackend();
        using var tensor = backend.Allocate(new Shape(4, 9216), "flatten");
        var error = Assert.Throws<ArgumentException>(() => tensor.Reshape(new Shape(4, 256, 6, 5)));
        Assert.Contains("[4, 9216]", error.Message);
        Assert.Contains("[4, 256, 6, 5]", error.Message);
    }

    [Fact]
    public void Disposing_twice_is_harmless_and_using_a_disposed_tensor_throws()
    {
        using var backend = new CpuBackend();
        var tensor = backend.Allocate(new Shape(3), "x");
        tensor.Dispose();
        tensor.Dispose();
        Assert.True(tensor.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => tensor.ToArray());
        Assert.Equal(0, backend.AllocatedBytes);
    }
}

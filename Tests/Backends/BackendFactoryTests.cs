using AlexNet.Backends;
using AlexNet.Backends.Cpu;

namespace AlexNet.Tests.Backends;

public sealed class BackendFactoryTests
{
    [Fact]
    public void Cpu_is_created_by_name_with_its_thread_count()
    {
        using var backend = BackendFactory.Create("CPU", new BackendOptions { Threads = 1 });
        var cpu = Assert.IsType<CpuBackend>(backend);
        Assert.Equal("cpu", cpu.Name);
        Assert.Equal(1, cpu.Threads);
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => BackendFactory.Create("tpu"));
        Assert.Contains("tpu", error.Message);
        Assert.All(BackendFactory.Names, name => Assert.Contains(name, error.Message));
    }
}

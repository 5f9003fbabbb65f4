namespace AlexNet.Backends;

/// <summary>
/// What a backend says about itself, for the app to print (<c>alexnet bench</c>, <c>alexnet train</c>)
/// without testing the backend's type: its name, how many threads its ops use, which kernels run
/// them, and where its tensors live.
/// </summary>
/// <param name="Name">as <see cref="Tensors.IDevice.Name"/>, e.g. <c>cpu</c> or <c>cuda:0 (NVIDIA H100)</c></param>
/// <param name="Threads">the most host threads one op uses (1 for the reference and the GPU)</param>
/// <param name="Kernels">what computes the ops, e.g. <c>GEMM kernel Vector512, convolution implicit GEMM</c></param>
/// <param name="Device">where tensors live, e.g. <c>host memory</c> or the GPU with its memory</param>
/// <param name="TensorBytes">bytes held by live tensors, where the backend counts them</param>
/// <param name="ScratchBytes">bytes of reusable scratch memory the backend keeps, where it counts them</param>
public sealed record BackendDescription(string Name, int Threads, string Kernels, string Device, long? TensorBytes = null, long? ScratchBytes = null)
{
    /// <summary>One line: <c>cpu, 2 thread(s), GEMM kernel Vector512, convolution implicit GEMM</c>.</summary>
    public override string ToString() => $"{Name}, {Threads} thread(s), {Kernels}";
}

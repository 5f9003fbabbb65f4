using AlexNet.Tensors;

namespace AlexNet.Backends.Cuda;

// Fill and Copy are memory operations the driver does itself (cuMemsetD32Async, cuMemcpyDtoDAsync);
// Scale and Axpy are the kernels of Kernels/elementwise.cu. Mirrors Cpu/CpuBackend.Elementwise.cs.
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Elementwise.cs.
public sealed partial class CudaBackend
{
    public void Fill(float value, Tensor y) =>
        _device.Fill(Address(y, nameof(Fill)), BitConverter.SingleToUInt32Bits(value), y.Length);

    public void Copy(Tensor x, Tensor y)
    {
        var source = Address(x, nameof(Copy));
        var destination = Address(y, nameof(Copy));
        OpContract.SameLength(nameof(Copy), x, y);
        if (source != destination)
        {
            _device.CopyOnDevice(source, destination, x.Length);
        }
    }

    public void Scale(float alpha, Tensor y) =>
        LaunchElements(Kernel.Scale, y.Length, alpha, y.Length, Address(y, nameof(Scale)));

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        OpContract.SameLength(nameof(Axpy), x, y);
        LaunchElements(Kernel.Axpy, x.Length, Address(x, nameof(Axpy)), alpha, x.Length, Address(y, nameof(Axpy)));
    }
}

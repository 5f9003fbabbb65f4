using System.CommandLine;
using AlexNet.Backends.Cuda;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet cuda-info</c>: where the CUDA backend looks for its libraries, what it finds, what it would choose and why.</summary>
public static class CudaInfoCommand
{
    public static Command Create(AppContext app)
    {
        var command = new Command("cuda-info",
            "Show where --backend cuda looks for the NVIDIA driver, cuBLAS and NVRTC (ALEXNET_CUDA_LIBRARY_PATH, CUDA_PATH, pip's and conda's nvidia packages, the system), " +
            "what it finds, which it would choose and why.");
        command.SetAction((parse, cancellationToken) =>
        {
            foreach (var line in CudaInstallation.Report())
            {
                app.WriteLine(line);
            }
            return Task.FromResult(0);
        });
        return command;
    }
}

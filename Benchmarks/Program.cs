using BenchmarkDotNet.Running;

// Pick benchmarks with BenchmarkDotNet's switches, e.g.
//   dotnet run -c Release --project Benchmarks -- --filter '*Gemm*'
//   dotnet run -c Release --project Benchmarks -- --filter '*LayerBenchmarks*' --job short
BenchmarkSwitcher.FromAssembly(typeof(AlexNet.Benchmarks.LayerCase).Assembly).Run(args);

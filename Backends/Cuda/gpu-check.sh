#!/usr/bin/env bash
# The CUDA backend's check on a real GPU, prepared so that a session with a GPU machine can run it
# in one call. It has two halves.
#
# Here, on a machine with .NET and this repository:
#     bash Backends/Cuda/gpu-check.sh pack
#   publishes the test suite, with the .NET runtime, into .gpu/ (ignored by git) using
#   shared/tools/gpu-pack.sh (found beside the checkout or above it), and checks that the bundle
#   fits the 64 MiB a device call carries. The tests reference the app, so the `alexnet` app is
#   published with them (packing it separately too would exceed 64 MiB).
#
# There, on the GPU machine (with the device tool: command "bash Backends/Cuda/gpu-check.sh run",
# carry [".gpu"], timeout_s 600; how long it takes on a GPU machine has not been measured yet):
#     bash Backends/Cuda/gpu-check.sh run
#   1. prints the GPU, the driver and the CUDA libraries the backend loads;
#   2. runs the whole test suite with ALEXNET_REQUIRE_GPU=1: every backend-equivalence property, the
#      exact data-movement tests and the whole-network mini check must run on "cuda" (a skip fails);
#   3. trains mini for 2 epochs on synthetic data with --backend cpu and with --backend cuda (same
#      seeds, so their losses must agree within 1e-4 + 1e-3 relative, which it checks), and the
#      paper's alexnet for 2 epochs of 2048 synthetic images at batch 128 on the GPU, for images/s;
#   4. leaves every log and metrics file in $OUT (or ./gpu-check-out), ends with a summary, and
#      exits non-zero if a test failed, the losses differ, or a training did not finish.
# Record what it prints in Docs/cuda.md, "Results on real hardware".
set -uo pipefail
cd "$(dirname "$0")/../.."

pack() {
  local tool=""
  for candidate in shared/tools/gpu-pack.sh ../shared/tools/gpu-pack.sh ../../shared/tools/gpu-pack.sh; do
    [ -f "$candidate" ] && { tool=$candidate; break; }
  done
  [ -n "$tool" ] || { echo "gpu-check: shared/tools/gpu-pack.sh not found beside or above the checkout" >&2; exit 2; }
  rm -rf .gpu/AlexNet.Training
  bash "$tool" .gpu Tests/AlexNet.Tests.csproj || exit 1
  local size; size=$(du -sm .gpu | cut -f1)
  echo "gpu-check: .gpu/ is ${size} MiB (a device call carries at most 64)"
  [ "$size" -le 64 ] || { echo "gpu-check: too large to carry" >&2; exit 1; }
}

run() {
  local out=${OUT:-gpu-check-out} status=0
  mkdir -p "$out"
  [ -f .gpu/run.sh ] || { echo "gpu-check: .gpu/run.sh is missing; run 'pack' first and carry .gpu" >&2; exit 2; }
  command -v xz >/dev/null || { echo "gpu-check: xz is needed to unpack the bundled .NET runtime" >&2; exit 2; }
  # run.sh starts .gpu/NAME/NAME; the app's executable sits beside the tests'.
  ln -sfn AlexNet.Tests .gpu/alexnet
  # The real GPU must run: the cuda tests fail instead of skipping when the backend cannot start.
  export ALEXNET_REQUIRE_GPU=1

  # The CUDA toolkit's NVRTC and cuBLAS may sit outside the loader's path (a versioned
  # /usr/local/cuda-X.Y, or the nvidia-* Python wheels); point the backend at every folder holding them.
  local folders
  folders=$(find /usr/local /opt -xdev \( -name 'libnvrtc.so.1[1-9]*' -o -name 'libcublas.so.1[1-9]*' \) -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -)
  export ALEXNET_CUDA_LIBRARY_PATH=${ALEXNET_CUDA_LIBRARY_PATH:+$ALEXNET_CUDA_LIBRARY_PATH:}$folders

  {
    echo "== machine"
    uname -srm
    nproc
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1
    nvidia-smi 2>&1 | sed -n '1,12p'
    echo "== CUDA libraries"
    command -v nvcc >/dev/null && nvcc --version | tail -2
    ldconfig -p | grep -E 'libcuda\.so|libnvrtc\.so|libcublas\.so' || true
    echo "ALEXNET_CUDA_LIBRARY_PATH=$ALEXNET_CUDA_LIBRARY_PATH"
    echo "g++: $(g++ --version 2>/dev/null | head -1 || echo none)"
    echo "== the backend as it opens the GPU"
  } 2>&1 | tee "$out/versions.txt"
  # Nothing else is worth the device time when the backend cannot open the GPU.
  if ! bash .gpu/run.sh AlexNet.Tests -method "AlexNet.Tests.Cuda.CudaFactoryTests.Cuda_on_a_GPU_names_the_device" -diagnostics 2>&1 | tee -a "$out/versions.txt"; then
    echo "gpu-check: the CUDA backend could not open the GPU (above); stopping" | tee -a "$out/versions.txt"
    exit 1
  fi

  echo "== test suite" | tee "$out/tests.txt"
  local started=$SECONDS
  bash .gpu/run.sh AlexNet.Tests 2>&1 | tee -a "$out/tests.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "test suite: $((SECONDS - started)) s" | tee -a "$out/tests.txt"

  local work root=$PWD; work=$(mktemp -d)
  for backend in cpu cuda; do
    echo "== mini, 2 epochs, synthetic, --backend $backend" | tee "$out/mini-$backend.txt"
    (cd "$work" && bash "$root/.gpu/run.sh" alexnet train --model mini --synthetic --backend "$backend" --epochs 2 --batch-size 32 \
      --name "mini-$backend") 2>&1 | tail -25 | tee -a "$out/mini-$backend.txt"
    cp "$work/runs/mini-$backend/metrics.csv" "$out/mini-$backend-metrics.csv" 2>/dev/null
  done
  compare_metrics "$out/mini-cpu-metrics.csv" "$out/mini-cuda-metrics.csv" | tee "$out/mini-compare.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "== alexnet, 2 epochs of 2048 synthetic images, batch 128, --backend cuda" | tee "$out/alexnet-cuda.txt"
  (cd "$work" && bash "$root/.gpu/run.sh" alexnet train --model alexnet --synthetic --synthetic-images 1024 --backend cuda \
    --epochs 2 --batch-size 128 --name alexnet-cuda) 2>&1 | tail -25 | tee -a "$out/alexnet-cuda.txt"
  cp "$work/runs/alexnet-cuda/metrics.csv" "$out/alexnet-cuda-metrics.csv" 2>/dev/null || status=1
  rm -rf "$work"

  echo "== summary"
  grep -E 'Total: [0-9]+' "$out/tests.txt" | tail -1
  cat "$out/mini-compare.txt"
  for file in "$out"/*-metrics.csv; do
    [ -f "$file" ] && { echo "$(basename "$file"):"; cat "$file"; }
  done
  echo "gpu-check: $([ "$status" -eq 0 ] && echo passed || echo FAILED)"
  exit "$status"
}

# The same seeds give cpu and cuda the same data, order and dropout masks: their losses must agree
# within float rounding grown over a few steps (columns 3 and 5: train and validation loss).
compare_metrics() {
  [ -f "$1" ] && [ -f "$2" ] || { echo "mini cpu/cuda: a metrics file is missing"; return 1; }
  paste -d, "$1" "$2" | awk -F, -v half=9 'NR > 1 {
      for (c = 3; c <= 5; c += 2) {
        a = $c; b = $(c + half); d = a - b; if (d < 0) d = -d
        if (d > 1e-4 + 1e-3 * (a < 0 ? -a : a)) { bad++; printf "epoch %s column %d: cpu %s, cuda %s\n", $1, c, a, b }
      }
    }
    END { if (bad) { print "mini cpu/cuda: losses differ"; exit 1 } print "mini cpu/cuda: losses agree (within 1e-4 + 1e-3 relative)" }'
}

case "${1:-}" in
  pack) pack ;;
  run) run ;;
  *) sed -n '2,23p' "$0"; exit 2 ;;
esac

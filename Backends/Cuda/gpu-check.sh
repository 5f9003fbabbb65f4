#!/usr/bin/env bash
# The CUDA backend's day on a real GPU, prepared so that a session with a GPU machine runs it in one
# call. It has two halves.
#
# Here, on a machine with .NET and this repository:
#     bash Backends/Cuda/gpu-check.sh pack
#   publishes the test suite, with the .NET runtime, into .gpu/ (ignored by git) using
#   shared/tools/gpu-pack.sh (found beside the checkout or above it), and checks that the bundle
#   fits the 64 MiB a device call carries. The tests reference the app, so the `alexnet` app is
#   published with them (packing it separately too would exceed 64 MiB).
#
# There, on the GPU machine (device tool: command "bash Backends/Cuda/gpu-check.sh run",
# carry [".gpu"], timeout_s 600; its stages are budgeted to finish within 8 minutes):
#     bash Backends/Cuda/gpu-check.sh run [--precision fp32|tf32]
#   1. prints the GPU, the driver, and `alexnet cuda-info` (what was found where, what was chosen);
#      stops at once if the backend cannot open the GPU;
#   2. the CUDA equivalence suite (the Backends and Cuda tests) with ALEXNET_REQUIRE_GPU=1: every
#      backend property, exact data-movement test and whole-network check must run on "cuda";
#   3. `alexnet bench --backend cuda` for every variant at batch 64, 128 and 256, inference and
#      training step, with the per-layer breakdown (--layers);
#   4. mini for 2 epochs on synthetic data on cpu and on cuda (same seeds: their losses must agree
#      within 1e-4 + 1e-3 relative, which it checks);
#   5. short trainings on Oxford 17 (mini 3 epochs, alexnet 2 epochs) on cuda, when the data set is
#      found ($ALEXNET_OXFORD17, shared/datasets/oxflower17, ../shared/datasets/oxflower17 or the
#      app's cache);
#   6. where PyTorch with CUDA is installed, torchvision's AlexNet training step at batch 64, 128
#      and 256 on the same GPU, at the same precision, and the ratio to ours;
#   7. writes everything into one results folder, $OUT (or ./gpu-check-out), ends with a summary,
#      and exits non-zero if a test failed, the losses differ, or a stage did not finish.
# --precision tf32 runs the bench, trainings and PyTorch with TF32 tensor-core GEMMs (PyTorch's
# default for convolutions on Ampere and newer); fp32, the default, disables TF32 in PyTorch too.
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
  local precision=fp32
  while [ $# -gt 0 ]; do
    case $1 in
      --precision) precision=${2:-}; shift 2 ;;
      *) echo "gpu-check: unknown option $1" >&2; exit 2 ;;
    esac
  done
  case $precision in fp32|tf32) ;; *) echo "gpu-check: --precision is fp32 or tf32, not '$precision'" >&2; exit 2 ;; esac
  local out=${OUT:-gpu-check-out} status=0 budget=470 root=$PWD
  mkdir -p "$out"
  [ -f .gpu/run.sh ] || { echo "gpu-check: .gpu/run.sh is missing; run 'pack' first and carry .gpu" >&2; exit 2; }
  command -v xz >/dev/null || { echo "gpu-check: xz is needed to unpack the bundled .NET runtime" >&2; exit 2; }
  # run.sh starts .gpu/NAME/NAME; the app's executable sits beside the tests'.
  ln -sfn AlexNet.Tests .gpu/alexnet
  # The real GPU must run: the cuda tests fail instead of skipping when the backend cannot start.
  export ALEXNET_REQUIRE_GPU=1
  alexnet() { bash "$root/.gpu/run.sh" alexnet "$@"; }
  # A stage gets what is left of the budget, at most its own share; one that runs out is killed and fails.
  stage() { # name, share in seconds, command...
    local name=$1 share=$2; shift 2
    local left=$((budget - SECONDS))
    if [ "$left" -lt 20 ]; then echo "gpu-check: $name skipped: the 8-minute budget is spent" | tee -a "$out/summary.txt"; status=1; return 1; fi
    [ "$share" -le "$left" ] || share=$left
    local started=$SECONDS
    timeout "$share" "$@"
    local result=$?
    echo "$name: $([ $result -eq 0 ] && echo ok || { [ $result -eq 124 ] && echo "TIMED OUT after ${share} s" || echo "FAILED ($result)"; }), $((SECONDS - started)) s" | tee -a "$out/summary.txt"
    [ $result -eq 0 ] || status=1
    return $result
  }
  # A toolkit in a versioned /usr/local/cuda-X.Y or /opt folder is outside the backend's search;
  # name every folder that holds NVRTC or cuBLAS (the pip, conda and usual folders it finds itself).
  local folders
  folders=$(find /usr/local /opt -xdev \( -name 'libnvrtc.so.1[1-9]*' -o -name 'libcublas.so.1[1-9]*' \) -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -)
  export ALEXNET_CUDA_LIBRARY_PATH=${ALEXNET_CUDA_LIBRARY_PATH:+$ALEXNET_CUDA_LIBRARY_PATH:}$folders
  : > "$out/summary.txt"
  echo "gpu-check: precision $precision, results in $out" | tee -a "$out/summary.txt"

  {
    echo "== machine"
    uname -srm
    nproc
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm,clocks.max.mem --format=csv 2>&1
    nvidia-smi 2>&1 | sed -n '1,12p'
    echo "== CUDA libraries"
    command -v nvcc >/dev/null && nvcc --version | tail -2
    ldconfig -p | grep -E 'libcuda\.so|libnvrtc\.so|libcublas\.so' || true
    echo "g++: $(g++ --version 2>/dev/null | head -1 || echo none)"
    echo "== alexnet cuda-info"
    alexnet cuda-info
    echo "== the backend as it opens the GPU"
  } > "$out/versions.txt" 2>&1
  cat "$out/versions.txt"
  # Nothing else is worth the device time when the backend cannot open the GPU.
  if ! stage "open the GPU" 60 bash -c 'bash .gpu/run.sh AlexNet.Tests -method "AlexNet.Tests.Cuda.CudaFactoryTests.Cuda_on_a_GPU_names_the_device" -diagnostics >> "$1" 2>&1' _ "$out/versions.txt"; then
    tail -20 "$out/versions.txt"
    echo "gpu-check: the CUDA backend could not open the GPU (above); stopping" | tee -a "$out/summary.txt"
    exit 1
  fi

  stage "equivalence suite" 150 bash -c 'bash .gpu/run.sh AlexNet.Tests -namespace AlexNet.Tests.Backends -namespace AlexNet.Tests.Cuda > "$1" 2>&1' _ "$out/tests.txt"
  grep -E 'Total: [0-9]+|total:|failed:|succeeded:|skipped:' "$out/tests.txt" | tail -5

  local models=(alexnet caffenet torchvision keras-blog mini)
  stage "bench, every variant at 64/128/256, per layer" 120 bash -c '"$@" > "$0" 2>&1' "$out/bench-cuda-$precision.txt" \
    bash "$root/.gpu/run.sh" alexnet bench --backend cuda --precision "$precision" --model "${models[@]}" --batch-size 64 128 256 \
      --layers --min-seconds 0.5 --max-iterations 10
  tail -25 "$out/bench-cuda-$precision.txt"

  local work; work=$(mktemp -d)
  for backend in cpu cuda; do
    local extra=(); [ "$backend" = cuda ] && extra=(--precision fp32)  # fp32 on both sides, for the comparison
    stage "mini, 2 epochs, synthetic, $backend" 45 bash -c 'cd "$1" && shift && "$@"' _ "$work" \
      bash "$root/.gpu/run.sh" alexnet train --model mini --synthetic --backend "$backend" "${extra[@]}" --epochs 2 --batch-size 32 --name "mini-$backend" \
      > "$out/mini-$backend.txt" 2>&1
    cp "$work/runs/mini-$backend/metrics.csv" "$out/mini-$backend-metrics.csv" 2>/dev/null
  done
  compare_metrics "$out/mini-cpu-metrics.csv" "$out/mini-cuda-metrics.csv" | tee "$out/mini-compare.txt" | tee -a "$out/summary.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1

  local data=""
  for candidate in "${ALEXNET_OXFORD17:-}" shared/datasets/oxflower17 ../shared/datasets/oxflower17 "${ALEXNET_DATA:-$HOME/.cache/alexnet}/oxflower17"; do
    [ -n "$candidate" ] && [ -d "$candidate/jpg" ] && { data=$(cd "$candidate" && pwd); break; }
  done
  if [ -z "$data" ]; then
    echo "Oxford 17 trainings: NOT RUN, the data set is not on this machine (set ALEXNET_OXFORD17, or carry shared/datasets/oxflower17)" | tee -a "$out/summary.txt"
    status=1
  else
    stage "mini, 3 epochs, Oxford 17, cuda" 75 bash -c 'cd "$1" && shift && "$@"' _ "$work" \
      bash "$root/.gpu/run.sh" alexnet train --model mini --data "$data" --backend cuda --precision "$precision" --epochs 3 --name mini-oxford17 \
      > "$out/mini-oxford17.txt" 2>&1
    stage "alexnet, 2 epochs, Oxford 17, cuda" 90 bash -c 'cd "$1" && shift && "$@"' _ "$work" \
      bash "$root/.gpu/run.sh" alexnet train --model alexnet --data "$data" --backend cuda --precision "$precision" --epochs 2 --name alexnet-oxford17 \
      > "$out/alexnet-oxford17.txt" 2>&1
    for run in mini-oxford17 alexnet-oxford17; do
      cp "$work/runs/$run/metrics.csv" "$out/$run-metrics.csv" 2>/dev/null
      tail -5 "$out/$run.txt"
    done
  fi
  rm -rf "$work"

  if python3 -c 'import torch, torchvision; assert torch.cuda.is_available()' 2>/dev/null; then
    stage "torchvision AlexNet (PyTorch), training step" 60 python3 Backends/Cuda/torchvision-step.py --precision "$precision" \
      > "$out/torchvision-$precision.txt" 2>&1
    cat "$out/torchvision-$precision.txt"
    ratio "$out/bench-cuda-$precision.txt" "$out/torchvision-$precision.txt" | tee -a "$out/summary.txt"
  else
    echo "torchvision AlexNet: not measured, PyTorch with CUDA is not installed here" | tee -a "$out/summary.txt"
  fi

  echo "== summary ($SECONDS s)"
  cat "$out/summary.txt"
  for file in "$out"/*-metrics.csv; do
    [ -f "$file" ] && { echo "$(basename "$file"):"; cat "$file"; }
  done
  echo "gpu-check: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $SECONDS s"
  exit "$status"
}

# Our torchvision variant's training images/s against PyTorch's, per batch size: the bench's closing
# table has rows "| torchvision | threads | batch | inference img/s | train img/s | ...";
# torchvision-step.py prints "batch N: X images/s".
ratio() {
  awk -F'|' '
    FNR == NR { m = $2; gsub(/ /, "", m); if (m == "torchvision") { b = $4; t = $6; gsub(/ /, "", b); gsub(/ /, "", t); ours[b] = t } next }
    /^batch [0-9]+:/ { split($0, w, " "); b = w[2]; sub(":", "", b); theirs[b] = w[3] }
    END {
      for (b in theirs) if (b in ours && theirs[b] > 0) printf "torchvision training step, batch %s: ours %s, PyTorch %s images/s, ratio %.2f\n", b, ours[b], theirs[b], ours[b] / theirs[b]
      if (length(theirs) == 0) print "torchvision ratio: PyTorch printed no figures"
    }' "$1" "$2"
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
  run) shift; run "$@" ;;
  *) sed -n '2,33p' "$0"; exit 2 ;;
esac

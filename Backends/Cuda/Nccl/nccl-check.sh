#!/usr/bin/env bash
# NCCL's check on a GPU machine, prepared so that a session with one can run it in one call.
#
# Here:   bash Backends/Cuda/gpu-check.sh pack      (the same bundle: tests + app + .NET runtime in .gpu/)
# There:  bash Backends/Cuda/Nccl/nccl-check.sh     (device tool: carry [".gpu"], timeout_s 300; not yet run)
#   1. finds libnccl.so.2 (the loader's path, a CUDA or NCCL install under /usr or /opt, or the
#      nvidia-nccl Python wheel) and prints its version;
#   2. runs NcclGpuTests with ALEXNET_REQUIRE_GPU=1 and ALEXNET_REQUIRE_NCCL=1: a group of one joins,
#      all-reduces on the CUDA backend's stream, waits and leaves (a skip fails);
#   3. with two or more GPUs and mpirun on the machine, trains mini data-parallel over NCCL, one
#      process per GPU (mpirun -np GPUS alexnet train --backend cuda --communicator nccl), and the
#      same run in one process, and prints both runs' metrics for comparison (the losses must agree
#      as closely as cpu and cuda do in gpu-check.sh: within 1e-4 + 1e-3 relative).
#      NCCL refuses two ranks on one GPU, so a one-GPU machine stops after step 2.
# Logs go to $OUT (or ./nccl-check-out); record the summary in Docs/distributed.md.
set -uo pipefail
cd "$(dirname "$0")/../../.."
out=${OUT:-nccl-check-out}
mkdir -p "$out"
[ -f .gpu/run.sh ] || { echo "nccl-check: .gpu/run.sh is missing; run 'bash Backends/Cuda/gpu-check.sh pack' first and carry .gpu" >&2; exit 2; }
ln -sfn AlexNet.Tests .gpu/alexnet
export ALEXNET_REQUIRE_GPU=1 ALEXNET_REQUIRE_NCCL=1
folders=$(find /usr/local /opt /usr/lib -xdev \( -name 'libnvrtc.so.1[1-9]*' -o -name 'libcublas.so.1[1-9]*' -o -name 'libnccl.so.2*' \) -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -)
export ALEXNET_CUDA_LIBRARY_PATH=${ALEXNET_CUDA_LIBRARY_PATH:+$ALEXNET_CUDA_LIBRARY_PATH:}$folders
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$folders
status=0
{
  echo "== machine"
  nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv 2>&1
  nvidia-smi topo -m 2>&1 | head -12
  echo "== NCCL"
  find /usr /opt -xdev -name 'libnccl.so.2*' 2>/dev/null
  echo "mpirun: $(command -v mpirun || echo none)"
} 2>&1 | tee "$out/versions.txt"

echo "== NcclGpuTests" | tee "$out/tests.txt"
bash .gpu/run.sh AlexNet.Tests -class "AlexNet.Tests.Distributed.NcclGpuTests" 2>&1 | tee -a "$out/tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

gpus=$(nvidia-smi -L 2>/dev/null | wc -l)
if [ "$gpus" -ge 2 ] && command -v mpirun >/dev/null; then
  work=$(mktemp -d); root=$PWD
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  args=(train --model mini --synthetic --backend cuda --epochs 2 --batch-size $((32 * gpus)))
  (cd "$work" && bash "$root/.gpu/run.sh" alexnet "${args[@]}" --name single) 2>&1 | tail -5 | tee "$out/single.txt"
  # One GPU per rank: each rank sees only its own device, as device 0.
  (cd "$work" && mpirun -np "$gpus" bash -c 'CUDA_VISIBLE_DEVICES=$OMPI_COMM_WORLD_LOCAL_RANK exec bash "$0" alexnet "${@}"' \
    "$root/.gpu/run.sh" "${args[@]}" --communicator nccl --name nccl) 2>&1 | tail -8 | tee "$out/nccl.txt"
  grep -q "data-parallel over $gpus processes (NCCL" "$out/nccl.txt" || status=1
  for run in single nccl; do echo "$run:"; cat "$work/runs/$run/metrics.csv" 2>/dev/null || status=1; done | tee "$out/metrics.txt"
  rm -rf "$work"
else
  echo "nccl-check: $gpus GPU(s), mpirun $(command -v mpirun >/dev/null && echo present || echo absent): the multi-GPU run needs two GPUs and Open MPI" | tee -a "$out/tests.txt"
fi
echo "nccl-check: $([ "$status" -eq 0 ] && echo passed || echo FAILED)"
exit "$status"

#!/usr/bin/env bash
# The GPU checks in one call, for a session that is lent a machine with an NVIDIA GPU (docs/gpu.md, "On a GPU").
#
# 1. Here, on a machine with the .NET SDK, pack the benchmark app with the .NET runtime (the GPU machine has none):
#        bash tools/gpu/pack-gpu-checks.sh
#    It writes .gpu/ (git-ignored, ~30 MB; the same layout as the workplace's pack tool, which fails in a git worktree).
# 2. On the device, from the repository root, with .gpu carried along:
#        run(command="bash tools/gpu/run-gpu-checks.sh", carry=[".gpu"], timeout_s=540)
#
# It writes under $OUT: device.txt (nvidia-smi, the CUDA libraries found), checks.txt (the device overloads against the
# CPU path: every kernel, forward, backward, JVP; exit status 1 on a mismatch) and benchmark.txt (docs/gpu.md lists its
# rows). The benchmark's 10,000 training steps take well under a minute on an H100 if the step is near its goal.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"
if [ ! -x .gpu/run ]; then
  echo "no .gpu/run: pack the benchmark first (see the top of this script)" | tee "$OUT/checks.txt"
  exit 2
fi
{
  date -u
  nvidia-smi || echo "nvidia-smi: not found"
  echo "--- CUDA libraries (ILGPU needs libcuda; the cuBLAS yardstick needs libcublas.so.12/11/10):"
  ldconfig -p | grep -E 'libcuda\.so|libcublas' || echo "none in the ldconfig cache"
} > "$OUT/device.txt" 2>&1

# The checks and the benchmark open the device with EinsumDeviceKind.Auto: they say which device they ran on, and run
# on ILGPU's CPU accelerator (tiny sizes) if ILGPU finds no CUDA GPU, so a missing driver shows in their first line.
timeout 240 bash .gpu/run --check > "$OUT/checks.txt" 2>&1
checks=$?
timeout 280 bash .gpu/run > "$OUT/benchmark.txt" 2>&1
bench=$?
echo "checks exit $checks, benchmark exit $bench" | tee -a "$OUT/device.txt"
tail -n 3 "$OUT/checks.txt"
cat "$OUT/benchmark.txt"
[ "$checks" -eq 0 ] && [ "$bench" -eq 0 ]

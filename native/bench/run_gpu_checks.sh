#!/usr/bin/env bash
# Everything native/GPU_RESULTS.md records, in one go on a GPU machine with nvcc, CMake and
# PyTorch (no JDK needed): build the shipped CUDA configuration, run the whole ctest suite
# (test_cuda compares every CUDA kernel with the CPU kernels), then compare the CUDA kernels
# with eager PyTorch on the same card. Logs go to $1 (default: build-gpu/logs).
set -uo pipefail
cd "$(dirname "$0")/../.."
logs=${1:-build-gpu/logs}
mkdir -p "$logs"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$logs/nvidia-smi.txt"
start=$(date +%s)
if ! { cmake -S native -B build-gpu -DRLAIF_CUDA=ON -DCMAKE_BUILD_TYPE=Release \
       && cmake --build build-gpu -j"$(nproc)"; } >"$logs/build.log" 2>&1; then
  tail -60 "$logs/build.log"
  exit 1
fi
echo "build: $(( $(date +%s) - start )) s"
ctest --test-dir build-gpu --output-on-failure -j4 -E test_cuda 2>&1 | tail -15 | tee "$logs/ctest_cpu.log"
ctest --test-dir build-gpu --output-on-failure -V -R test_cuda >"$logs/test_cuda.log" 2>&1
cuda_rc=$?
grep -E "DEVICE|RESULT|FAIL|SKIP|test_cuda:|tests passed|tests failed" "$logs/test_cuda.log"
echo "test_cuda exit: $cuda_rc"
PYTHONUNBUFFERED=1 timeout 300 python3 native/bench/torch_compare.py --lib build-gpu/lib/librlaif_cuda.so \
  --json "$logs/torch_compare.json" 2>&1 | tee "$logs/torch_compare.log"
torch_rc=$?
echo "torch_compare exit: $torch_rc"
[ "$cuda_rc" = 0 ] && [ "$torch_rc" = 0 ]

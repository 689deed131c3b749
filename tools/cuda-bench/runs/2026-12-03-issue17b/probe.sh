#!/usr/bin/env bash
# Probe: compile + kernel checks + ILGPU self test on CUDA + 8B-shape batch-1 speed (issue 17b).
cd "$(dirname "$0")/.."
G=.gpu17
chmod +x $G/cuda-check
nvidia-smi --query-gpu=name,driver_version,power.draw,memory.total --format=csv > $OUT/gpu.txt 2>&1
start=$(date +%s)
timeout 150 $G/cuda-check --models models --out $OUT --skip-bench > $OUT/checks.log 2>&1; echo "checks rc=$? at $(( $(date +%s) - start )) s"
grep -c "^ok\|PASS" $OUT/checks.log; grep -i "fail\|error\|exception" $OUT/checks.log | head -20; tail -3 $OUT/checks.log
timeout 60 $G/cuda-check --ilgpu-selftest cuda --models models > $OUT/ilgpu-selftest.log 2>&1; echo "ilgpu rc=$? at $(( $(date +%s) - start )) s"; tail -4 $OUT/ilgpu-selftest.log
[ -f /tmp/shapes/llama-3.1-8b-shape/config.json ] || timeout 120 python3 $G/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1
echo "make at $(( $(date +%s) - start )) s"; tail -2 $OUT/make.log
timeout 200 $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT --seconds 1 --only llama-3.1-8b-shape --backends cuda-nvrtc > $OUT/ours.log 2>&1
echo "gl-bench rc=$? at $(( $(date +%s) - start )) s"; cat $OUT/ours.log

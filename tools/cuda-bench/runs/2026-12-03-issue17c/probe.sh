#!/usr/bin/env bash
# Issue 17c probe: split-K f16 products. Kernel checks + greedy checks (split-K on, the default), the f16 product
# variants on the 8B/1B shapes (main's kernels against split 1/2/4/8/auto), then the 8B (and, time left, 1B) shape
# decode through gl-bench. Shapes are made in the background while the checks and variants run. Bounded to ~185 s.
cd "$(dirname "$0")/.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
left() { local r=$(( 185 - ($(date +%s) - start) )); [ $r -lt 1 ] && r=1; [ $r -lt $1 ] && echo $r || echo $1; }
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
nvidia-smi --query-gpu=name,driver_version,power.draw,memory.total --format=csv > $OUT/gpu.txt 2>&1
( timeout 120 python3 $G/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1; echo "make rc=$?" >> $OUT/make.log ) &
make_pid=$!
timeout $(left 40) $G/cuda-check --models models --out $OUT --skip-bench > $OUT/checks.log 2>&1; stamp "checks rc=$?"
grep -v "^ok" $OUT/checks.log | head -20; grep -c "^ok" $OUT/checks.log
mkdir -p /tmp/kv/fast && cp $G/kernels/* /tmp/kv/fast/ && sed -i 's/^#define GG_FAST_SILU 0$/#define GG_FAST_SILU 1/' /tmp/kv/fast/matmul.cu
mkdir -p /tmp/kv/r4u2 && cp $G/kernels/* /tmp/kv/r4u2/ && sed -i 's/^#define GG_ROWS 2$/#define GG_ROWS 4/; s/^#define GG_UNROLL 4$/#define GG_UNROLL 2/' /tmp/kv/r4u2/matmul.cu
K=$G/kernels
timeout $(left 60) $G/cuda-check --matvec-variants "kernels,$K:1,$K:2,$K:4,$K:8,$K:auto,/tmp/kv/fast:auto,/tmp/kv/r4u2:2,/tmp/kv/r4u2:4" > $OUT/variants.log 2>&1
stamp "variants rc=$?"; cat $OUT/variants.log | cut -c1-900
wait $make_pid; stamp "shapes made"; tail -2 $OUT/make.log
timeout $(left 150) $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT --seconds 1 --only llama-3.1-8b-shape --backends cuda-nvrtc > $OUT/ours.log 2>&1
stamp "gl-bench 8B rc=$?"; grep -v "^Loading\|Writing" $OUT/ours.log | cut -c1-200
mkdir -p $OUT/1b; timeout $(left 150) $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT/1b --seconds 1 --only llama-3.2-1b-shape --backends cuda-nvrtc > $OUT/1b/ours.log 2>&1
stamp "gl-bench 1B rc=$?"; grep -v "^Loading\|Writing" $OUT/1b/ours.log | cut -c1-200

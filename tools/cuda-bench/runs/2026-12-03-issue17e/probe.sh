#!/usr/bin/env bash
# Issue 17e probe: run D's findings applied (split-K policy 2-4 warps, first loads before the wait removed, attention
# with a warp a position) plus the gate+up product that applies SwiGLU once per output (matvec_f16_norm_glu, down
# then plain). Kernel and greedy checks; the decode step variant by variant with its breakdown (main's kernels,
# the new ones, each new piece undone alone); then gl-bench (NVRTC) on the demo models and both shapes.
cd "$(dirname "$0")/../../../.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
left() { local r=$(( 540 - ($(date +%s) - start) )); [ $r -lt 1 ] && r=1; [ $r -lt $1 ] && echo $r || echo $1; }
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
nvidia-smi --query-gpu=name,driver_version,power.draw,memory.total --format=csv > $OUT/gpu.txt 2>&1
which nsys ncu >> $OUT/gpu.txt 2>&1
( timeout 150 python3 tools/cuda-bench/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1; echo "make rc=$?" >> $OUT/make.log ) &
make_pid=$!
timeout $(left 60) $G/cuda-check --models models --out $OUT --skip-bench > $OUT/checks.log 2>&1; stamp "checks rc=$?"
grep -v "^ok" $OUT/checks.log | head -30; grep -c "^ok" $OUT/checks.log; grep "glu\|rope_row" $OUT/checks.log
V=/tmp/kv
mkdir -p $V/k-noglu $V/k-exactsilu $V/k-nofuse
for d in k-noglu k-exactsilu k-nofuse; do cp kernels/* $V/$d/; done
sed -i 's/void matvec_f16_norm_glu(/void matvec_f16_norm_glu_off(/' $V/k-noglu/matmul.cu
sed -i 's/^#define GG_FAST_SILU 1$/#define GG_FAST_SILU 0/' $V/k-exactsilu/matmul.cu
sed -i 's/void attention_rope_row(/void attention_rope_row_off(/' $V/k-nofuse/attention.cu
grep -c "norm_glu_off\|GG_FAST_SILU 0\|attention_rope_row_off" $V/k-noglu/matmul.cu $V/k-exactsilu/matmul.cu $V/k-nofuse/attention.cu
wait $make_pid; stamp "shapes made"; tail -1 $OUT/make.log
S="$G/k-old:48,embedded:48,$V/k-noglu:48,$V/k-nofuse:48,$V/k-exactsilu:48"
timeout $(left 200) $G/cuda-check --decode-variants "$S" --random /tmp/shapes --out $OUT --breakdown > $OUT/decode.log 2>&1
stamp "decode variants rc=$?"; grep -v "^Loading\|Writing" $OUT/decode.log | cut -c1-400
mkdir -p $OUT/gl
timeout $(left 300) $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT/gl --seconds 1 --backends cuda-nvrtc \
  --only llama-3.1-8b-shape,llama-3.2-1b-shape,draft,target > $OUT/gl/ours.log 2>&1
stamp "gl-bench rc=$?"; grep -v "^Loading\|Writing" $OUT/gl/ours.log | cut -c1-220

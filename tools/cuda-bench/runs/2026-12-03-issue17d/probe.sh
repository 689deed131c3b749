#!/usr/bin/env bash
# Issue 17d probe: the batch-1 decode step of the 8B/1B shapes against the bandwidth floor, kernel variant by variant
# on one upload (cuda-check --decode-variants --breakdown): main's kernels (k-old), the new defaults (four rows a
# group, first weight loads before the PDL wait, fast SiLU, rope fused into attention for one row), each of those
# changes undone alone, and other split-K targets. Kernel and greedy checks first. Bounded to ~470 s.
cd "$(dirname "$0")/../../../.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
left() { local r=$(( 470 - ($(date +%s) - start) )); [ $r -lt 1 ] && r=1; [ $r -lt $1 ] && echo $r || echo $1; }
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
nvidia-smi --query-gpu=name,driver_version,power.draw,memory.total --format=csv > $OUT/gpu.txt 2>&1
( timeout 150 python3 tools/cuda-bench/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1; echo "make rc=$?" >> $OUT/make.log ) &
make_pid=$!
timeout $(left 60) $G/cuda-check --models models --out $OUT --skip-bench > $OUT/checks.log 2>&1; stamp "checks rc=$?"
grep -v "^ok" $OUT/checks.log | head -30; grep -c "^ok" $OUT/checks.log
V=/tmp/kv
mkdir -p $V/k-noearly $V/k-exactsilu $V/k-nofuse $V/k-r2u4
for d in k-noearly k-exactsilu k-nofuse k-r2u4; do cp kernels/* $V/$d/; done
sed -i 's/^#define GG_EARLY_LOADS 1$/#define GG_EARLY_LOADS 0/' $V/k-noearly/matmul.cu
sed -i 's/^#define GG_FAST_SILU 1$/#define GG_FAST_SILU 0/' $V/k-exactsilu/matmul.cu
sed -i 's/void attention_rope_row(/void attention_rope_row_off(/' $V/k-nofuse/attention.cu
sed -i 's/^#define GG_ROWS 4$/#define GG_ROWS 2/; s/^#define GG_UNROLL 2$/#define GG_UNROLL 4/' $V/k-r2u4/matmul.cu
grep -c "GG_EARLY_LOADS 0\|GG_FAST_SILU 0\|attention_rope_row_off\|GG_ROWS 2" $V/k-noearly/matmul.cu $V/k-exactsilu/matmul.cu $V/k-nofuse/attention.cu $V/k-r2u4/matmul.cu
timeout $(left 40) $G/cuda-check --matvec-variants "kernels:1,kernels:2,kernels:4,kernels:8,kernels:auto" > $OUT/variants.log 2>&1
stamp "matvec variants rc=$?"; cut -c1-700 $OUT/variants.log
wait $make_pid; stamp "shapes made"; tail -1 $OUT/make.log
S="$G/k-old:48,embedded:48,$V/k-noearly:48,$V/k-exactsilu:48,$V/k-nofuse:48,$V/k-r2u4:48,embedded:24,embedded:32,embedded:96"
timeout $(left 330) $G/cuda-check --decode-variants "$S" --random /tmp/shapes --out $OUT --breakdown > $OUT/decode.log 2>&1
stamp "decode variants rc=$?"; grep -v "^Loading\|Writing" $OUT/decode.log | cut -c1-400

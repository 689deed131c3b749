#!/usr/bin/env bash
# Issue 17f: the final build (exact SiLU, rope_store a block per head). Kernel and greedy checks; the decode step with
# its breakdown; one verification pass of k = 1-5, 8 drafted tokens with cuBLAS from 2, 5 and 9 rows
# (--verify-rows); then NVRTC's gl-bench on both shapes and the demo models.
cd "$(dirname "$0")/../../../.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
left() { local r=$(( 540 - ($(date +%s) - start) )); [ $r -lt 1 ] && r=1; [ $r -lt $1 ] && echo $r || echo $1; }
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
nvidia-smi --query-gpu=name,driver_version,power.draw,memory.total --format=csv > $OUT/gpu.txt 2>&1
( timeout 150 python3 tools/cuda-bench/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1; echo "make rc=$?" >> $OUT/make.log ) &
make_pid=$!
timeout $(left 60) $G/cuda-check --models models --out $OUT --skip-bench > $OUT/checks.log 2>&1; stamp "checks rc=$?"
grep -v "^ok" $OUT/checks.log | head -30; grep -c "^ok" $OUT/checks.log; grep "rope" $OUT/checks.log
wait $make_pid; stamp "shapes made"; tail -1 $OUT/make.log
timeout $(left 120) $G/cuda-check --decode-variants "embedded:48" --random /tmp/shapes --out $OUT --breakdown > $OUT/decode.log 2>&1
stamp "decode step rc=$?"; grep -v "^Loading\|Writing" $OUT/decode.log | cut -c1-400
timeout $(left 120) $G/cuda-check --verify-rows --random /tmp/shapes --out $OUT > $OUT/verify.log 2>&1
stamp "verify rows rc=$?"; grep -v "^Loading\|Writing" $OUT/verify.log | cut -c1-400
mkdir -p $OUT/gl
timeout $(left 200) $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT/gl --seconds 1 --backends cuda-nvrtc \
  --only llama-3.1-8b-shape,llama-3.2-1b-shape,draft,target > $OUT/gl/ours.txt 2>&1
stamp "gl-bench rc=$?"; grep -v "^Loading\|Writing" $OUT/gl/ours.txt | cut -c1-220

#!/usr/bin/env bash
# Issue 17b: the full H200 run. Every output under $OUT; every step bounded so that the whole stays under 590 s.
cd "$(dirname "$0")/.."
G=.gpu17
chmod +x $G/cuda-check
start=$(date +%s)
left() { local r=$(( 585 - ($(date +%s) - start) )); [ $r -lt 1 ] && r=1; [ $r -lt $1 ] && echo $r || echo $1; }
stamp() { echo "[$(( $(date +%s) - start )) s] $*"; }
nvidia-smi --query-gpu=name,driver_version,power.draw,memory.total --format=csv > $OUT/gpu.txt 2>&1
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.version.cuda)" >> $OUT/gpu.txt 2>&1
timeout $(left 60) $G/cuda-check --models models --out $OUT --skip-bench > $OUT/checks.log 2>&1; stamp "checks rc=$?"; tail -1 $OUT/checks.log
timeout $(left 40) $G/cuda-check --ilgpu-selftest cuda --models models > $OUT/ilgpu-selftest.log 2>&1; stamp "ilgpu self-test rc=$?"; tail -1 $OUT/ilgpu-selftest.log
[ -f /tmp/shapes/llama-3.1-8b-shape/config.json ] || timeout $(left 120) python3 $G/realistic_shapes.py --phase make --out /tmp/shapes > $OUT/make.log 2>&1
stamp "shapes made"
( time timeout $(left 330) $G/cuda-check --gl-bench --models models --random /tmp/shapes --out $OUT --seconds 2 ) > $OUT/ours.log 2>&1; stamp "gl-bench rc=$?"
( time timeout $(left 130) python3 $G/realistic_shapes.py --phase bench --out /tmp/shapes --json $OUT/hf-8b.json --seconds 2 --only llama-3.1-8b-shape ) > $OUT/hf-8b.log 2>&1; stamp "hf 8b rc=$?"
list=""
for v in r2u4 r2u8 r4u4 r1u8; do
  R=${v:1:1}; U=${v:3:1}
  mkdir -p /tmp/kv/$v && cp $G/kernels/* /tmp/kv/$v/
  sed -i "s/^#define GG_ROWS 2$/#define GG_ROWS $R/; s/^#define GG_UNROLL 4$/#define GG_UNROLL $U/" /tmp/kv/$v/matmul.cu
  list="$list,/tmp/kv/$v"
done
timeout $(left 100) $G/cuda-check --matvec-variants "${list#,}" > $OUT/variants.log 2>&1; stamp "variants rc=$?"
( time timeout $(left 200) python3 $G/realistic_shapes.py --phase bench --out /tmp/shapes --json $OUT/hf.json --seconds 2 --only draft,target,llama-3.2-1b-shape ) > $OUT/hf.log 2>&1; stamp "hf rest rc=$?"
grep -v "^Loading\|Writing" $OUT/ours.log | cut -c1-160; grep -v "Loading" $OUT/hf-8b.log $OUT/hf.log | cut -c1-160; cat $OUT/variants.log

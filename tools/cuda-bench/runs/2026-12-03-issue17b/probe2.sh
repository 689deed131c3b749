#!/usr/bin/env bash
# Probe 2: f16 product variants (rows a warp x loads in flight) on the 8B/1B shapes.
cd "$(dirname "$0")/.."
G=.gpu17
chmod +x $G/cuda-check
list=""
for v in r2u4 r2u8 r4u4 r1u8 r4u2 r1u4; do
  R=${v:1:1}; U=${v:3:1}
  mkdir -p /tmp/kv/$v && cp $G/kernels/* /tmp/kv/$v/
  sed -i "s/^#define GG_ROWS 2$/#define GG_ROWS $R/; s/^#define GG_UNROLL 4$/#define GG_UNROLL $U/" /tmp/kv/$v/matmul.cu
  grep -c "^#define GG_ROWS $R$" /tmp/kv/$v/matmul.cu >/dev/null || echo "sed failed for $v"
  list="$list,/tmp/kv/$v"
done
timeout 300 $G/cuda-check --matvec-variants "${list#,}" > $OUT/variants.log 2>&1; echo "rc=$?"
cat $OUT/variants.log

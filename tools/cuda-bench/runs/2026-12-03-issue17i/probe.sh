#!/usr/bin/env bash
# Issue 17i: a checkpoint whose max_position_embeddings (131,072, as Llama 3.1's) is more than attention's shared
# memory holds, loaded as the model host loads it (no MaxContextTokens): the demo draft with its config changed.
cd "$(dirname "$0")/../../../.."
chmod +x .gpu17/cuda-check
rm -rf /tmp/long && cp -r models/draft /tmp/long
python3 - <<'PY'
import json
p = "/tmp/long/config.json"
c = json.load(open(p))
c["max_position_embeddings"] = 131072
json.dump(c, open(p, "w"))
PY
timeout 120 .gpu17/cuda-check --load-check /tmp/long --out $OUT > $OUT/load-check.log 2>&1; echo "load check rc=$?"
cat $OUT/load-check.log | grep -v "^Loading" | cut -c1-300

#!/usr/bin/env bash
# The cascade end to end on the GPU machine (docs/cascade-benchmark.md, "Measured on a GPU"): the gateway with the draft
# on the GPU (Cascade.Draft.Backend cuda) and the model host in process with the target on the GPU (ModelHost.Backend
# cuda), both measured by NVML (each request its fair share of the GPU's energy counter), then `bench cascade` over
# the shipped workload and the held-out one, the cascade against the large model alone in the same run.
#   tools/gpu-e2e/run.sh <gg-e2e binary> <output folder>
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$1 out=$2
mkdir -p "$out"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
gateway_port=$(free_port) model_port=$(free_port)
url="http://127.0.0.1:$gateway_port"
nvidia-smi --query-gpu=name,driver_version,power.draw,temperature.gpu --format=csv | tee "$out/gpu.txt"

ModelServer__Mode=in-process ModelServer__Port="$model_port" ModelHost__Backend=cuda \
Upstreams__default__Destinations__0="http://127.0.0.1:$model_port/v1" \
Cascade__Draft__Backend=cuda Logging__LogLevel__Default=Warning \
  "$bin" serve --urls "$url" >"$out/gateway.log" 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null; wait $gateway 2>/dev/null' EXIT
for _ in $(seq 1 120); do
  curl -fs -o /dev/null "$url/readyz" && curl -fs -o /dev/null -H 'Authorization: Bearer gg-demo' "$url/v1/models" && break
  sleep 1
done
curl -fs "$url/readyz" || { echo "gateway not ready"; tail -40 "$out/gateway.log"; exit 1; }
echo "gateway ready after ${SECONDS}s"

for w in cascade heldout; do
  "$bin" bench cascade --gateway "$url" --workload "loadtests/workloads/$w.jsonl" --order alternate \
    --out "$out/gpu-$w.md" --raw "$out/gpu-$w.jsonl" 2>&1 | tail -5
  echo "$w done at ${SECONDS}s"
done
curl -fs -H 'Authorization: Bearer gg-demo' "$url/v1/usage" >"$out/usage.json"
grep -c . "$out/gateway.log"; grep -i -m5 "backend\|cuda\|nvml" "$out/gateway.log" | cut -c1-400

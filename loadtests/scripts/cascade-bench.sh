#!/usr/bin/env bash
# The cascade benchmark, end to end: starts a redis-server (the semantic cache's store) and the gateway with
# its defaults (the model host in process with models/target), both on free loopback ports, runs
# `gg bench cascade` over the shipped workload and writes docs/cascade-benchmark.md. Everything it started
# is stopped on exit. Extra arguments go to `gg bench cascade` (e.g. --limit 50, --out /tmp/report.md).
#
#   loadtests/scripts/cascade-bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

command -v redis-server >/dev/null || { echo "redis-server is needed (Debian: apt-get install redis-server)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

echo "building the gateway and the CLI (Release)"
dotnet build src/GreenGateway -c Release -nologo -clp:ErrorsOnly
dotnet build src/GreenGateway.Cli -c Release -nologo -clp:ErrorsOnly

gateway_port=$(free_port)
model_port=$(free_port)
url="http://127.0.0.1:$gateway_port"
echo "gateway on $url (model host on $model_port, redis on $redis_port); log $work/gateway.log"
# The gateway's defaults (appsettings.json), with the Redis URL and the model host's port moved to free ports.
# The model host runs as a child process, so that its measured energy (its own CPU time) holds none of the
# gateway's work (GG_BENCH_MODEL_SERVER_MODE=in-process to compare).
GG_REDIS_URL="redis://127.0.0.1:$redis_port" \
ModelServer__Mode="${GG_BENCH_MODEL_SERVER_MODE:-child-process}" \
ModelHost__Threads="${GG_BENCH_MODEL_HOST_THREADS:-1}" \
ModelServer__Port="$model_port" \
Upstreams__default__Destinations__0="http://127.0.0.1:$model_port/v1" \
Logging__LogLevel__Default=Warning \
  dotnet run -c Release --no-build --project src/GreenGateway -- --urls "$url" >"$work/gateway.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 180); do
  if curl -fs -o /dev/null -H 'Authorization: Bearer gg-demo' "$url/v1/models" && curl -fs -o /dev/null "$url/readyz"; then
    break
  fi
  sleep 1
done
curl -fs -o /dev/null "$url/readyz" || { echo "the gateway did not become ready; its log:" >&2; tail -50 "$work/gateway.log" >&2; exit 1; }

args=("$@")
[[ " $* " == *" --out "* || " $* " == *" --out="* ]] || args+=(--out docs/cascade-benchmark.md)
[[ " $* " == *" --workload "* || " $* " == *" --workload="* ]] || args+=(--workload loadtests/workloads/cascade.jsonl)
# The tenant is gg-demo unless --key names another (the CLI's default).
dotnet run -c Release --no-build --project src/GreenGateway.Cli -- bench cascade --gateway "$url" "${args[@]}"
echo "gateway log: $(grep -c . "$work/gateway.log") lines; last lines:"
tail -5 "$work/gateway.log"

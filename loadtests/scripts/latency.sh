#!/usr/bin/env bash
# Added latency of the gateway on pass-through, measured by wrk (C, epoll) with open-model pacing
# (paced.lua): the same schedule straight to the stand-in upstream and through the gateway, in alternating
# blocks of one run, each process on its own (the stand-in upstream and the gateway as child processes).
#
#   loadtests/scripts/latency.sh                      # rates 300 and 500 req/s, 3 rounds of 10 s blocks
#   RATES="500" ROUNDS=5 BLOCK=10 loadtests/scripts/latency.sh
#   taskset -c 0,1 loadtests/scripts/latency.sh       # pinned to two cores, as on the development machine
#
# Needs wrk (apt-get install wrk) and a Release build of loadtests/GreenGateway.LoadTests; GG_LOADTESTS may
# name a self-contained build of it instead (then the gateway runs as its "gateway" command).
# GATEWAY_ENV adds environment to the gateway ("DOTNET_gcServer=0 ..."). Prints a table per block, the
# medians over rounds, and the load average before and after.
set -euo pipefail
RATES=${RATES:-"300 500"}
BLOCK=${BLOCK:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-64}
WRK=${WRK:-wrk}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here="$root/loadtests/scripts"
bin="$root/loadtests/GreenGateway.LoadTests/bin/Release/net10.0"
work=$(mktemp -d)
key="gg-latency-key"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() {
  for _ in $(seq 1 600); do
    if python3 -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "not ready: $1" >&2; exit 2
}

if [ -n "${GG_LOADTESTS:-}" ]; then
  harness=("$GG_LOADTESTS"); gateway=("$GG_LOADTESTS" gateway)
else
  harness=(dotnet "$bin/GreenGateway.LoadTests.dll"); gateway=(dotnet "$bin/GreenGateway.dll")
fi

up=$(free_port); gw=$(free_port)
mkdir -p "$work/policies"
printf 'tenants:\n  latency:\n    keys: ["sha256:%s"]\n    models: ["*"]\n' "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" > "$work/policies/tenants.yaml"
"${harness[@]}" upstream "http://127.0.0.1:$up" > "$work/upstream.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$up/v1/models"
env GG_UPSTREAM_URL="http://127.0.0.1:$up/v1" Gateway__PoliciesPath="$work/policies" Logging__LogLevel__Default=Warning \
  Cache__Enabled=false ${GATEWAY_ENV:-} "${gateway[@]}" --urls "http://127.0.0.1:$gw" > "$work/gateway.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$gw/healthz"

direct="http://127.0.0.1:$up/v1/chat/completions"
through="http://127.0.0.1:$gw/v1/chat/completions"
block() { # block URL RATE SECONDS -> RESULT line
  "$WRK" -t1 -c"$CONNECTIONS" -d"${3}s" --timeout 10s -s "$here/paced.lua" "$1" -- "$2" "$key" | grep '^RESULT'
}
field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<< "$2"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores visible; wrk $CONNECTIONS connections, 1 thread"
for rate in $RATES; do
  block "$direct" "$rate" "$WARMUP" > /dev/null
  block "$through" "$rate" "$WARMUP" > /dev/null
  : > "$work/rounds"
  for round in $(seq 1 "$ROUNDS"); do
    d=$(block "$direct" "$rate" "$BLOCK")
    g=$(block "$through" "$rate" "$BLOCK")
    echo "rate $rate round $round direct : $d"
    echo "rate $rate round $round gateway: $g"
    echo "$(field p50 "$d") $(field p99 "$d") $(field p50 "$g") $(field p99 "$g") $(field errors "$d") $(field errors "$g")" >> "$work/rounds"
  done
  dp50=$(cut -d' ' -f1 "$work/rounds" | median); dp99=$(cut -d' ' -f2 "$work/rounds" | median)
  gp50=$(cut -d' ' -f3 "$work/rounds" | median); gp99=$(cut -d' ' -f4 "$work/rounds" | median)
  a50=$(awk '{print $3-$1}' "$work/rounds" | median); a99=$(awk '{print $4-$2}' "$work/rounds" | median)
  errors=$(awk '{s+=$5+$6} END {print s}' "$work/rounds")
  printf 'rate %s req/s, median of %s rounds: direct p50 %.3f p99 %.3f ms | gateway p50 %.3f p99 %.3f ms | added p50 %+.3f p99 %+.3f ms (median of per-round differences) | errors %s\n' \
    "$rate" "$ROUNDS" "$dp50" "$dp99" "$gp50" "$gp99" "$a50" "$a99" "$errors"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
gw_pid=${pids[1]}
echo "gateway memory: $(grep -E '^(VmRSS|VmHWM)' /proc/"$gw_pid"/status | tr -s ' \t' ' ' | paste -sd' ')"

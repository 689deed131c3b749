#!/usr/bin/env bash
# The Redis client before and after the move to StackExchange.Redis, in one run on one redis-server: builds this
# benchmark here and, in a temporary worktree of the commit before the move, the same program on the former hand-made
# client (before/Backend.cs), then alternates them ROUNDS times (flushing the server between runs) and prints the
# medians and ratios. redis-benchmark runs at the same pipeline depth inside each "after" run.
#   loadtests/redis-bench/before-after.sh            # ROUNDS=3 BEFORE=1bdda62 ARGS="--requests 500000"
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
BEFORE=${BEFORE:-1bdda62}
ARGS=${ARGS:-}
work=$(mktemp -d)
trap 'redis-cli -p "${port:-0}" shutdown nosave >/dev/null 2>&1 || true; git worktree remove --force "$work/before" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

dotnet build -c Release -nologo -clp:ErrorsOnly loadtests/redis-bench -o "$work/after-bin" >/dev/null
git worktree add --detach "$work/before" "$BEFORE" >/dev/null 2>&1
cp loadtests/redis-bench/Program.cs loadtests/redis-bench/RedisBench.csproj "$work/before/loadtests/redis-bench/"
cp loadtests/redis-bench/before/Backend.cs "$work/before/loadtests/redis-bench/Backend.cs"
dotnet build -c Release -nologo -clp:ErrorsOnly "$work/before/loadtests/redis-bench" -o "$work/before-bin" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile "$work/redis.log"
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
echo "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port; $ROUNDS rounds; $(nproc) cores"

for round in $(seq 1 "$ROUNDS"); do
  order="before after"; [ $((round % 2)) -eq 0 ] && order="after before"
  for side in $order; do
    redis-cli -p "$port" flushall >/dev/null
    redis-cli -p "$port" config resetstat >/dev/null
    extra=""; [ "$side" = before ] && extra="--no-redis-benchmark"
    dotnet "$work/$side-bin/RedisBench.dll" --port "$port" $extra $ARGS | sed -n "s/^RESULT /$side\t/p" | tee -a "$work/results.tsv"
    # How the ledger's scripts went out: EVALSHA once the server has them, EVAL only for the first calls.
    echo "$side: $(redis-cli -p "$port" info commandstats | grep -oE 'cmdstat_eval(sha)?:calls=[0-9]+' | tr '\n' ' ')"
  done
done

python3 - "$work/results.tsv" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    side, name, value = line.rstrip("\n").split("\t")
    runs[(side, name)].append(float(value))
med = {k: statistics.median(v) for k, v in runs.items()}
print("\n| measurement | before (hand-made client) | after (StackExchange.Redis) | after / before |")
print("|---|---:|---:|---:|")
names = []
for (side, name) in runs:
    if name not in names: names.append(name)
for name in names:
    if name.startswith("redis-benchmark"): continue
    b, a = med.get(("before", name)), med.get(("after", name))
    print(f"| {name} | {b:,.0f} | {a:,.0f} | {a / b:.2f} |")
print("\n| measurement | redis-benchmark | after (StackExchange.Redis) | ratio | before | ratio |")
print("|---|---:|---:|---:|---:|---:|")
for test in ("SET", "GET"):
    ref = next(n for n in names if n.startswith(f"redis-benchmark {test}"))
    client = ref.replace("redis-benchmark", "client")
    r, a, b = med[("after", ref)], med[("after", client)], med[("before", client)]
    print(f"| {client} | {r:,.0f} | {a:,.0f} | {a / r:.2f} | {b:,.0f} | {b / r:.2f} |")
PY

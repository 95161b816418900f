#!/usr/bin/env bash
# Issue 14's before/after benchmark: the same redis-benchmark runs against Redoubt as it
# was before the architecture step, Redoubt at HEAD, and Debian's redis-server, in one
# session, alternated so machine noise hits all three alike.
#
#   scripts/arch-ab-bench.sh [-n REQUESTS] [-r ROUNDS] [-b BEFORE] [-a AFTER] [-k]
#
#   -n  requests per redis-benchmark run (default 200000)
#   -r  rounds; each round runs every target, unpipelined and -P 16 (default 3)
#   -b  the "before" commit (default 75b0b22: the parent of de099fa, the first issue-14
#       commit, "Command model ... moves to src/command-model/")
#   -a  the "after" commit (default HEAD)
#   -k  keep the work directory (worktrees, logs, raw CSV) instead of removing it
#
# It builds both commits in detached git worktrees under /tmp (src/ only: no tests), with
# node_modules linked from this checkout, starts each as
# `node dist/src/main.js --port P --bind 127.0.0.1 --save '' --appendonly no` and
# redis-server with the same settings, on free loopback ports, then runs
# `redis-benchmark -t set,get,incr,lpush,hset,mset -c 50 -n N [-P 16] --csv` against each
# target in turn (the order rotates every round; FLUSHALL before every run). It prints the
# median requests/s per test and mode over the rounds, and the ratios before/redis,
# after/redis and after/before. Everything it started is stopped and both worktrees are
# removed on exit, whatever happens.
#
# Do not run it while the machine is loaded: the figures are only worth comparing when the
# three targets get the same machine.
set -euo pipefail

N=200000
ROUNDS=3
BEFORE=75b0b22
AFTER=HEAD
KEEP=0
while getopts "n:r:b:a:k" opt; do
  case "$opt" in
    n) N=$OPTARG ;;
    r) ROUNDS=$OPTARG ;;
    b) BEFORE=$OPTARG ;;
    a) AFTER=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done

REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-$(command -v redis-benchmark)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
BEFORE_SHA=$(git -C "$REPO" rev-parse --short "$BEFORE^{commit}")
AFTER_SHA=$(git -C "$REPO" rev-parse --short "$AFTER^{commit}")
WORK=$(mktemp -d /tmp/redoubt-arch-ab.XXXXXX)
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for side in before after; do
    if [ -d "$WORK/$side" ]; then git -C "$REPO" worktree remove --force "$WORK/$side" 2>/dev/null || true; fi
  done
  git -C "$REPO" worktree prune 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "kept $WORK (results.csv, *.log)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_pong() { # port name
  local i
  for i in $(seq 1 300); do
    if [ "$("$REDIS_CLI" -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; then return 0; fi
    sleep 0.1
  done
  echo "$2 on port $1 did not answer PING; its log:" >&2
  cat "$WORK/$2.log" >&2 || true
  exit 1
}

build() { # side commit
  local dir="$WORK/$1"
  echo "building $1 ($2) in $dir"
  git -C "$REPO" worktree add --detach --quiet "$dir" "$2"
  ln -s "$REPO/node_modules" "$dir/node_modules"
  printf '{ "extends": "./tsconfig.json", "include": ["src/**/*.ts"] }\n' >"$dir/tsconfig.bench.json"
  (cd "$dir" && node node_modules/typescript/bin/tsc -p tsconfig.bench.json) >"$WORK/$1-build.log" 2>&1 || {
    echo "build of $1 failed:" >&2; cat "$WORK/$1-build.log" >&2; exit 1; }
}

declare -A PORT
start_redoubt() { # side
  local port; port=$(free_port)
  (cd "$WORK/$1" && exec node dist/src/main.js --port "$port" --bind 127.0.0.1 --save '' --appendonly no) >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  PORT[$1]=$port
  wait_pong "$port" "$1"
}
start_redis() {
  local port; port=$(free_port)
  mkdir -p "$WORK/redis-dir"
  "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis-dir" \
    --daemonize no --logfile '' >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  PORT[redis]=$port
  wait_pong "$port" redis
}

build before "$BEFORE_SHA"
build after "$AFTER_SHA"
start_redis
start_redoubt before
start_redoubt after
echo "redis-server $("$REDIS_SERVER" --version | sed 's/.*v=\([^ ]*\).*/\1/') on ${PORT[redis]}, before ($BEFORE_SHA) on ${PORT[before]}, after ($AFTER_SHA) on ${PORT[after]}"
echo "redis-benchmark -t set,get,incr,lpush,hset,mset -c 50 -n $N, unpipelined and -P 16, $ROUNDS rounds"

RESULTS="$WORK/results.csv"
: >"$RESULTS"
TARGETS=(redis before after)
for round in $(seq 1 "$ROUNDS"); do
  # rotate the order so no target always runs first (or right after another)
  shift_by=$(((round - 1) % 3))
  order=("${TARGETS[@]:$shift_by}" "${TARGETS[@]:0:$shift_by}")
  for pipeline in 1 16; do
    for target in "${order[@]}"; do
      port=${PORT[$target]}
      "$REDIS_CLI" -h 127.0.0.1 -p "$port" flushall >/dev/null
      # --csv: a header line, then "TEST","rps",... per test
      "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -t set,get,incr,lpush,hset,mset -c 50 -n "$N" -P "$pipeline" --csv 2>/dev/null |
        awk -F'","' -v t="$target" -v p="$pipeline" -v r="$round" \
          'NR > 1 { gsub(/"/, "", $1); print t "," p "," r "," $1 "," $2 }' >>"$RESULTS"
      echo "round $round, -P $pipeline, $target done"
    done
  done
done

node - "$RESULTS" "$BEFORE_SHA" "$AFTER_SHA" <<'EOF'
const [file, beforeSha, afterSha] = process.argv.slice(2);
const rows = require('fs').readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
const runs = new Map(); // "test|P|target" -> rps[]
const tests = [];
for (const [target, p, , test, rps] of rows) {
  const key = `${test}|${p}|${target}`;
  if (!runs.has(key)) runs.set(key, []);
  runs.get(key).push(Number(rps));
  if (!tests.includes(`${test}|${p}`)) tests.push(`${test}|${p}`);
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const med = (t, target) => median(runs.get(`${t}|${target}`) ?? [NaN]);
const pad = (s, n) => String(s).padStart(n);
console.log(`\nmedian requests/s over the rounds; before = ${beforeSha}, after = ${afterSha}`);
console.log(['test'.padEnd(16), pad('-P', 3), pad('redis', 11), pad('before', 11), pad('after', 11), pad('bef/redis', 10), pad('aft/redis', 10), pad('aft/bef', 8), '  spread after (min..max)'].join(' '));
tests.sort((a, b) => Number(a.split('|')[1]) - Number(b.split('|')[1]));
for (const t of tests) {
  const [test, p] = t.split('|');
  const r = med(t, 'redis'), b = med(t, 'before'), a = med(t, 'after');
  const all = runs.get(`${t}|after`) ?? [];
  console.log([test.padEnd(16), pad(p, 3), pad(r.toFixed(0), 11), pad(b.toFixed(0), 11), pad(a.toFixed(0), 11),
    pad((b / r).toFixed(3), 10), pad((a / r).toFixed(3), 10), pad((a / b).toFixed(3), 8),
    `  ${Math.min(...all).toFixed(0)}..${Math.max(...all).toFixed(0)}`].join(' '));
}
EOF

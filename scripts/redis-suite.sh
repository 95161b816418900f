#!/usr/bin/env bash
# Runs units of Redis 7.2.4's own test suite against Redoubt, and (when a Redis 7.2.4 build
# is given) against Redis itself, then reports per unit how many of the tests that pass on
# Redis also pass on Redoubt. A developer-machine tool: the suite is not part of the repo
# or of CI, and nothing of it is copied here.
#
# Usage: scripts/redis-suite.sh [unit ...]        (default: every unit/ file but cluster and
#                                                   moduleapi; names as in the suite: unit/type/list)
# Environment:
#   REDIS_SRC    a Redis 7.2.4 source tree (tests/, runtest, utils/); default /work/redis-7.2.4.
#                Export one with: git -C <redis clone> archive 7.2.4 | tar -x -C "$REDIS_SRC"
#   REDIS_BIN    a built Redis 7.2.4 redis-server to compare with; default $REDIS_SRC/src/redis-server
#                when it exists. Without it only Redoubt's own ok/err counts are printed.
#                A non-empty $OUT/<unit>.redis.log is reused, not re-run: the Redis side does
#                not change between Redoubt builds, so copy earlier Redis logs into OUT to run
#                Redoubt only (and compare against the same Redis figures each time).
#   SUITE_TAGS   the suite's tag filter; default "-needs:repl" (replication is its own issue)
#   UNIT_TIMEOUT seconds per unit (default 900)
#   OUT          where the logs go (default ./suite-results, one log per unit and server)
#   SUITE_ARGS   extra runtest arguments for Redoubt's run only (e.g. --skiptest NAME, to get
#                past a test that aborts the unit); split on spaces, so a test name with
#                spaces goes in a file given with --skipfile FILE (one exact name a line)
#   SUITE_BASEPORT  first port the suite's servers take (default 21111); give parallel runs
#                ranges SUITE_PORTCOUNT apart so they never meet
#   SUITE_PORTCOUNT how many ports from SUITE_BASEPORT a run may take (default 2000)
#   SUITE_TLS    1 = run both servers in the suite's TLS mode (--tls; unit/tls only tests
#                anything in it); test certificates are made with the suite's
#                utils/gen-test-certs.sh (needs openssl, and tcl-tls for tclsh)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
REDIS_SRC="${REDIS_SRC:-/work/redis-7.2.4}"
REDIS_BIN="${REDIS_BIN:-$REDIS_SRC/src/redis-server}"
SUITE_TAGS="${SUITE_TAGS:--needs:repl}"
UNIT_TIMEOUT="${UNIT_TIMEOUT:-900}"
SUITE_BASEPORT="${SUITE_BASEPORT:-21111}"
SUITE_PORTCOUNT="${SUITE_PORTCOUNT:-2000}"
SUITE_TLS="${SUITE_TLS:-0}"
OUT="${OUT:-$PWD/suite-results}"
SUITE_ARGS="${SUITE_ARGS:-}"

if [ ! -x "$REDIS_SRC/runtest" ]; then
  echo "redis-suite: no Redis 7.2.4 test suite at $REDIS_SRC (set REDIS_SRC)" >&2
  exit 2
fi
if [ ! -f "$repo/dist/src/main.js" ]; then
  echo "redis-suite: build Redoubt first (npm run build)" >&2
  exit 2
fi
command -v tclsh >/dev/null || { echo "redis-suite: tclsh is needed (Debian: tcl)" >&2; exit 2; }

units=("$@")
if [ ${#units[@]} -eq 0 ]; then
  while IFS= read -r f; do
    units+=("${f%.tcl}")
  done < <(cd "$REDIS_SRC/tests" && find unit -name '*.tcl' -not -path 'unit/cluster/*' -not -path 'unit/moduleapi/*' | sort)
fi

# One scratch copy of the suite per server kind; its src/ holds the server under test and
# the real redis-cli / redis-benchmark / redis-check-aof the suite also calls.
make_tree() { # $1 = dir, $2 = server command
  local dir="$1"
  rm -rf "$dir"; mkdir -p "$dir/src"
  cp -r "$REDIS_SRC/tests" "$REDIS_SRC/utils" "$REDIS_SRC/runtest" "$dir/"
  printf '#!/bin/sh\nexec %s "$@"\n' "$2" > "$dir/src/redis-server"
  chmod +x "$dir/src/redis-server"
  local tool
  for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb redis-sentinel; do
    if [ -x "$REDIS_SRC/src/$tool" ]; then ln -s "$REDIS_SRC/src/$tool" "$dir/src/$tool"
    elif command -v "$tool" >/dev/null; then ln -s "$(command -v "$tool")" "$dir/src/$tool"; fi
  done
}

mkdir -p "$OUT"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# An explicit heap size: without one main.js relaunches itself sized from maxmemory, and the
# suite, which waits for the PID it spawned to appear in the log, never sees the child's.
make_tree "$scratch/redoubt" "node --max-old-space-size=4096 $repo/dist/src/main.js"
have_redis=0
if [ -x "$REDIS_BIN" ]; then make_tree "$scratch/redis" "$REDIS_BIN"; have_redis=1; fi
tls_args=()
if [ "$SUITE_TLS" = 1 ]; then
  (cd "$scratch/redoubt" && ./utils/gen-test-certs.sh >/dev/null 2>&1)
  [ $have_redis -eq 1 ] && cp -r "$scratch/redoubt/tests/tls" "$scratch/redis/tests/"
  tls_args=(--tls)
fi

run_unit() { # $1 = tree, $2 = unit, $3 = log, $4... = extra runtest arguments
  local tree="$1" unit="$2" log="$3"; shift 3
  (cd "$tree" && timeout "$UNIT_TIMEOUT" ./runtest --single "$unit" --tags "$SUITE_TAGS" --clients 1 --baseport "$SUITE_BASEPORT" --portcount "$SUITE_PORTCOUNT" ${tls_args[@]+"${tls_args[@]}"} "$@" >"$log" 2>&1) || true
}

for unit in "${units[@]}"; do
  name="${unit//\//_}"
  # shellcheck disable=SC2086 # SUITE_ARGS is a word list on purpose
  run_unit "$scratch/redoubt" "$unit" "$OUT/$name.redoubt.log" $SUITE_ARGS
  if [ $have_redis -eq 1 ] && [ ! -s "$OUT/$name.redis.log" ]; then
    run_unit "$scratch/redis" "$unit" "$OUT/$name.redis.log"
  fi
done

# Per unit: tests passing on Redis, how many of those pass on Redoubt (names compared as a
# multiset, the "(N ms)" timing removed), and Redoubt's own ok/err counts.
python3 - "$OUT" "$have_redis" "${units[@]}" <<'PY'
import re, sys, collections
out, have_redis, units = sys.argv[1], sys.argv[2] == '1', sys.argv[3:]
ok = re.compile(r'^\[ok\]: (.*?)(?: \(\d+ ms\))?$')
bad = re.compile(r'^\[(err|exception)\]: ')
def read(path):
    names, errs = collections.Counter(), 0
    try:
        with open(path, errors='replace') as f:
            for line in f:
                line = re.sub(r'\x1b\[[0-9;]*m', '', line.rstrip('\n'))
                m = ok.match(line)
                if m: names[m.group(1)] += 1
                elif bad.match(line): errs += 1
    except FileNotFoundError:
        pass
    return names, errs
tot_redis = tot_both = 0
print(f"{'unit':40} {'redis ok':>9} {'both ok':>8} {'ratio':>7} {'redoubt ok':>11} {'err':>5}")
for unit in units:
    name = unit.replace('/', '_')
    rd, rd_err = read(f"{out}/{name}.redoubt.log")
    if have_redis:
        rs, _ = read(f"{out}/{name}.redis.log")
        both = sum(min(c, rd[n]) for n, c in rs.items())
        total = sum(rs.values())
        tot_redis += total; tot_both += both
        ratio = f"{100*both/total:.1f}%" if total else '-'
        print(f"{unit:40} {total:9} {both:8} {ratio:>7} {sum(rd.values()):11} {rd_err:5}")
    else:
        print(f"{unit:40} {'-':>9} {'-':>8} {'-':>7} {sum(rd.values()):11} {rd_err:5}")
if have_redis and tot_redis:
    print(f"{'TOTAL':40} {tot_redis:9} {tot_both:8} {100*tot_both/tot_redis:6.1f}%")
PY

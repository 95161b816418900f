#!/bin/sh
# `npm test`: build, then every test file in two passes.
#
# The rule: a test file runs in the concurrent pass (two files at a time) unless its source
# has a line starting `// npm test: serial — <why>`; those run afterwards one at a time, with
# the CPU to themselves. A file is marked serial when it
#   - asserts on time: upper bounds on answer times or delays, rates, latency, or a reply
#     expected within a short idle window;
#   - kills processes at a chosen moment to see what survives (crash tests), or races one
#     against a server's start-up;
#   - drives a process to the machine's limits (heap ceilings, gigabyte-sized replies);
#   - uses network namespaces or another fixed machine-wide resource (a fixed port, path or
#     name): two files must never compete for it.
# Everything else asserts replies, not timings, and may share the machine: lower bounds
# ("waited for its timeout"), generous does-not-hang deadlines, memory measured inside one
# process (its heap, its RSS growth), and child processes it starts, signals and stops
# itself are no reason to be serial. A file that waits on a timer (a TTL, a 10 s idle
# close) belongs in the concurrent pass: its wait overlaps another file's work. When in
# doubt, mark it serial and say why.
#
# TEST_CONCURRENCY sets the concurrent pass's width (default 3 on CI's two cores: most files
# spend much of their time waiting on child processes, sockets and timers — debug-monitor-diff
# needs about 3.5 s of CPU and 12 s of wall time alone — so a third file fills that idle CPU).
# Fuzz files get FUZZ_BUDGET_SCALE=0.25 of their stated budgets (test/fuzz/harness/ci-run.ts);
# set FUZZ_BUDGET_SCALE=1 for the whole budget, and `npm run fuzz` to run targets longer.
# Both passes always run; the exit status fails if either did.
set -u
rm -rf dist && tsc -p tsconfig.json || exit 1
export FUZZ_BUDGET_SCALE="${FUZZ_BUDGET_SCALE:-0.25}"
concurrent=''
serial=''
for src in $(find test -name '*.test.ts' | sort); do
  js="dist/${src%.ts}.js"
  if grep -q '^// npm test: serial' "$src"; then serial="$serial $js"; else concurrent="$concurrent $js"; fi
done
status=0
# shellcheck disable=SC2086 # word splitting of the file lists is intended (paths have no spaces)
node --test --test-concurrency="${TEST_CONCURRENCY:-3}" $concurrent || status=1
# shellcheck disable=SC2086
node --test --test-concurrency=1 $serial || status=1
exit $status

#!/bin/sh
# `npm test`: build, then every test file in two passes.
#
# The rule: a test file runs in the concurrent pass (two files at a time) unless its source
# has a line starting `// npm test: serial — <why>`; those run afterwards one at a time, with
# the CPU to themselves. A file is marked serial when it
#   - asserts on time: upper bounds on answer times or delays, rates, latency, windows;
#   - measures memory (RSS, heap) or runs processes at resource ceilings;
#   - kills or signals processes, or races one against a server's start-up;
#   - uses network namespaces or another fixed machine-wide resource (a fixed port, path or
#     name): two files must never compete for it.
# Everything else holds no machine-wide resource and asserts replies, not timings (lower
# bounds such as "waited for its timeout" are safe), and may share the machine. A file that
# waits on a timer (a TTL, a 10 s idle close) belongs in the concurrent pass: its wait
# overlaps another file's work. When in doubt, mark it serial and say why.
#
# TEST_CONCURRENCY sets the concurrent pass's width (default 2: CI has two cores).
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
node --test --test-concurrency="${TEST_CONCURRENCY:-2}" $concurrent || status=1
# shellcheck disable=SC2086
node --test --test-concurrency=1 $serial || status=1
exit $status

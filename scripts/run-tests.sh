#!/bin/sh
# `npm test`: build, then every test file in two passes. Unit, differential (compat) and
# scripting files run two at a time: they hold no machine-wide resource and assert replies,
# not timings. Integration, security, persistence and fuzz files run one at a time: they
# measure rates and latencies, kill processes, use network namespaces or time budgets, and
# must not compete for the CPU. Both passes always run; the exit status fails if either did.
set -u
rm -rf dist && tsc -p tsconfig.json || exit 1
status=0
node --test --test-concurrency=2 $(find dist/test/unit dist/test/compat dist/test/scripting -name '*.test.js' | sort) || status=1
node --test --test-concurrency=1 $(find dist/test -name '*.test.js' -not -path 'dist/test/unit/*' -not -path 'dist/test/compat/*' -not -path 'dist/test/scripting/*' | sort) || status=1
exit $status

#!/usr/bin/env python3
"""Writes test/compat/fixtures/redis-7.2.4-command-info.json from a running Redis 7.2.4:
for every command and subcommand COMMAND INFO reports, its arity, flags, first/last/step
and ACL categories (what test/compat/command-table-72.test.ts compares Redoubt's table
with). A developer-machine tool, run by hand against a 7.2.4 build:

    redis-server --port 0 --unixsocket /tmp/r724.sock --save '' &
    scripts/command-info-fixture.py /tmp/r724.sock
"""
import json, os, socket, sys

def read(f):
    line = f.readline()[:-2]
    kind, rest = line[:1], line[1:]
    if kind == b'+':
        return rest.decode()
    if kind == b'-':
        raise SystemExit('error reply: ' + rest.decode())
    if kind == b':':
        return int(rest)
    if kind == b'$':
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode('latin1')
    if kind == b'*':
        n = int(rest)
        return None if n < 0 else [read(f) for _ in range(n)]
    raise SystemExit('unexpected reply ' + repr(line))

def main():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    f = s.makefile('rwb')
    f.write(b'*2\r\n$7\r\nCOMMAND\r\n$4\r\nINFO\r\n')
    f.flush()
    out = {}
    def add(e):
        name, arity, flags, first, last, step, cats = e[:7]
        out[name] = [arity, sorted(flags), first, last, step, sorted(cats)]
        for sub in e[9]:
            add(sub)
    for e in read(f):
        if e is not None:
            add(e)
    dest = os.path.join(os.path.dirname(__file__), '..', 'test', 'compat', 'fixtures', 'redis-7.2.4-command-info.json')
    with open(dest, 'w') as w:
        w.write('{\n')
        w.write(',\n'.join(f'  {json.dumps(k)}: {json.dumps(out[k])}' for k in sorted(out)))
        w.write('\n}\n')

main()

/**
 * The config table against a live redis-server (Debian 7.0.15): every directive it knows,
 * its default, which ones CONFIG SET refuses, the error text for bad values, and the
 * CONFIG command metadata. Documented differences are listed at each comparison.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { startTestServer, ioredisClient } from '../helpers/server.js';
import { findRedisServer, NO_ORACLE_MESSAGE, startRedisOracle } from '../helpers/redis-oracle.js';
import { configTable } from '../../src/config/config-table.js';
import { deriveCategories, type CommandDefinition } from '../../src/command-context/command-spec.js';
import { config as configDef } from '../../src/commands/config.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const skip = findRedisServer() === null ? NO_ORACLE_MESSAGE : false;
if (skip !== false) console.log(`config-oracle: ${NO_ORACLE_MESSAGE}`);

/** Deliberate differences in CONFIG GET * defaults (see config-table.ts). */
const DEFAULT_DIFFERENCES = new Set([
  'bind', // Redoubt binds loopback by default (Redis's compiled-in default is "* -::*")
  'port', // both run on ephemeral test ports
  'save', // the oracle runs with --save ''
]);

// 7.2 additions, and Redoubt's own directives (`since: 'redoubt'`), which redis-server lacks
const hidden = (d: (typeof configTable)[number]): boolean => (d.flags ?? []).includes('hidden');
// listed by CONFIG GET * here and not by the 7.0 oracle (Redoubt's start-up-only settings are hidden)
const NEW_IN_72: readonly string[] = configTable.filter((d) => (d.since === '7.2.0' || d.since === 'redoubt') && !hidden(d)).map((d) => d.name);
// 7.0 lists them; 7.2 hides them from patterns (CONFIG GET names them exactly)
const HIDDEN_SINCE_72: readonly string[] = ['aof-disable-auto-gc'];


async function both<T>(fn: (redis: Redis, redoubt: Redis) => Promise<T>): Promise<T> {
  // one scratch directory for both: `dir` defaults to it, and whatever they write stays there
  const dir = scratchDir();
  const oracle = await startRedisOracle(['--dir', dir]);
  const srv = await startTestServer({ config: [['dir', dir]] });
  const redis = ioredisClient(oracle.port);
  // no INFO ready check: this test is about CONFIG only
  const redoubt = ioredisClient(srv.port, { enableReadyCheck: false });
  try {
    return await fn(redis, redoubt);
  } finally {
    redis.disconnect();
    redoubt.disconnect();
    await srv.close();
    await oracle.stop();
  }
}

function pairs(flat: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  return m;
}

async function errorOf(c: Redis, ...args: string[]): Promise<string> {
  try {
    return String(await c.call('config', 'set', ...args));
  } catch (e) {
    return (e as Error).message;
  }
}

test('CONFIG GET * knows every directive of redis-server, with the same defaults', { skip }, async () => {
  await both(async (redis, redoubt) => {
    const r = pairs((await redis.call('config', 'get', '*')) as string[]);
    const o = pairs((await redoubt.call('config', 'get', '*')) as string[]);
    const missing = [...r.keys()].filter((k) => !o.has(k) && !HIDDEN_SINCE_72.includes(k));
    assert.deepEqual(missing, [], 'directives redis-server has and Redoubt lacks');
    const extra = [...o.keys()].filter((k) => !r.has(k)).sort();
    assert.deepEqual(extra, [...NEW_IN_72].sort(), 'only 7.2 additions and Redoubt directives are extra');
    const differing: string[] = [];
    for (const [k, v] of r) if (!DEFAULT_DIFFERENCES.has(k) && !HIDDEN_SINCE_72.includes(k) && o.get(k) !== v) differing.push(`${k}: redis=${JSON.stringify(v)} redoubt=${JSON.stringify(o.get(k))}`);
    assert.deepEqual(differing, []);
    assert.equal(o.get('bind'), '127.0.0.1 -::1');
    assert.equal(o.get('save'), '3600 1 300 100 60 10000');
  });
});

test('hidden directives answer an exact CONFIG GET only, on both', { skip }, async () => {
  await both(async (redis, redoubt) => {
    for (const name of ['use-exit-on-panic', 'rdb-key-save-delay', 'key-load-delay', 'watchdog-period', 'loading-process-events-interval-bytes']) {
      assert.deepEqual(await redoubt.call('config', 'get', name), await redis.call('config', 'get', name), name);
    }
    assert.deepEqual(await redoubt.call('config', 'get', 'use-exit-*'), await redis.call('config', 'get', 'use-exit-*'));
    // hidden in 7.2 (the 7.0 oracle still lists it): named exactly it answers, a pattern skips it
    assert.deepEqual(await redoubt.call('config', 'get', 'aof-disable-auto-gc'), ['aof-disable-auto-gc', 'no']);
    assert.deepEqual(await redoubt.call('config', 'get', 'aof-disable-*'), []);
  });
});

test('CONFIG SET refuses the same directives (immutable, protected) with the same text', { skip }, async () => {
  await both(async (redis, redoubt) => {
    const r = pairs((await redis.call('config', 'get', '*')) as string[]);
    const differences: string[] = [];
    for (const [name, value] of r) {
      // Listeners: setting the oracle's own port or bind would rebind Redoubt onto them
      // (config-rebind.test.ts compares their error texts).
      if (name === 'port' || name === 'bind' || name === 'tls-port') continue;
      const [a, b] = await Promise.all([errorOf(redis, name, value), errorOf(redoubt, name, value)]);
      if (a !== b) differences.push(`${name}: redis=${a} redoubt=${b}`);
    }
    assert.deepEqual(differences, []);
  });
});

test('bad values get redis-server\'s exact error for every numeric, memory, bool and enum directive', { skip }, async () => {
  await both(async (redis, redoubt) => {
    const differences: string[] = [];
    for (const def of configTable) {
      if (def.kind === 'string' || def.kind === 'special' || def.name === 'port' || def.since === '7.2.0' || def.since === 'redoubt') continue;
      if ((def.flags ?? []).includes('immutable')) continue;
      // one directive's values are sent together (each connection keeps their order) and to
      // both servers at once: a round trip per directive instead of 14
      const values = ['abc', '-99999999999999', '99999999999999999999', '1.5', '', '1k', '-1'];
      const [as, bs] = await Promise.all([redis, redoubt].map((c) => Promise.all(values.map((value) => errorOf(c, def.name, value)))));
      values.forEach((value, i) => {
        const a = as![i]!;
        // 7.2 adds 'nothing' to loglevel
        const b = def.name === 'loglevel' ? bs![i]!.replace(', nothing', '') : bs![i]!;
        if (a !== b) differences.push(`${def.name} ${JSON.stringify(value)}: redis=${a} | redoubt=${b}`);
      });
    }
    assert.deepEqual(differences, []);
  });
});

test('special directives parse and print like redis-server', { skip }, async () => {
  await both(async (redis, redoubt) => {
    const cases: [string, string][] = [
      ['save', '100 10 200 20'],
      ['save', ''],
      ['save', '1 2 3'],
      ['save', 'x'],
      ['client-output-buffer-limit', 'pubsub 1mb 2kb 3'],
      ['client-output-buffer-limit', 'replica 1gb 0 0 normal 5 6 7'],
      ['client-output-buffer-limit', 'master 1 1 1'],
      ['client-output-buffer-limit', 'normal 1'],
      ['notify-keyspace-events', 'Kgm$x'],
      ['notify-keyspace-events', 'An'],
      ['notify-keyspace-events', 'Q'],
      ['oom-score-adj-values', '1 2 3'],
      ['oom-score-adj-values', '1 2'],
      ['oom-score-adj-values', '1 2 3000'],
      ['latency-tracking-info-percentiles', '1 2.50 99.999'],
      ['latency-tracking-info-percentiles', 'abc'],
      ['latency-tracking-info-percentiles', ''],
      ['maxmemory-clients', '5%'],
      ['maxmemory-clients', '101%'],
      // (save / nosave are refused by Redoubt: issue 15, tested in config-command)
      ['shutdown-on-sigint', 'now force'],
      ['shutdown-on-sigterm', 'foo'],
      ['dir', '/'],
      ['dbfilename', 'x.rdb'],
      ['replicaof', 'no one'],
    ];
    for (const [name, value] of cases) {
      const a = await errorOf(redis, name, value);
      const b = await errorOf(redoubt, name, value);
      assert.equal(b, a, `${name} ${value}`);
      assert.deepEqual(await redoubt.call('config', 'get', name), await redis.call('config', 'get', name), `${name} after ${value}`);
    }
  });
});

test('CONFIG SET errors: unknown, duplicate, odd arguments, arity', { skip }, async () => {
  await both(async (redis, redoubt) => {
    const cases: string[][] = [
      ['foo', 'bar'],
      ['maxclients', '10', 'maxclients', '20'],
      ['hz', '5', 'foo', '1'],
      ['databases', '2', 'foo', '1'],
      ['foo', '1', 'databases', '2'],
      ['hz', 'x', 'maxclients', '5'],
      ['a'],
      ['a', 'b', 'c'],
      [],
    ];
    for (const c of cases) assert.equal(await errorOf(redoubt, ...c), await errorOf(redis, ...c), c.join(' '));
    const get = async (cl: Redis) => {
      try {
        return await cl.call('config', 'get');
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(await get(redoubt), await get(redis));
  });
});

test('CONFIG GET patterns match like redis-server (case, aliases, several patterns, duplicates)', { skip }, async () => {
  await both(async (redis, redoubt) => {
    const sorted = (flat: string[]) => [...pairs(flat).entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    for (const args of [
      ['maxmemory*'],
      ['MAXMEM*'],
      ['MaxMemory', 'maxmemory'],
      ['*max-*-entries*'],
      ['slave-*', 'replica-*'],
      ['hz', 'timeout', 'nonexistent'],
      ['[hp]z'],
      ['?z'],
      ['nonexistent*'],
    ]) {
      const r = sorted((await redis.call('config', 'get', ...args)) as string[]);
      const o = sorted((await redoubt.call('config', 'get', ...args)) as string[]).filter(([k]) => !NEW_IN_72.includes(k));
      assert.deepEqual(o, r, args.join(' '));
    }
  });
});

test('CONFIG command metadata matches COMMAND INFO of redis-server', { skip }, async () => {
  const oracle = await startRedisOracle();
  const redis = ioredisClient(oracle.port);
  try {
    const [info] = (await redis.call('command', 'info', 'config')) as unknown[][];
    const check = (got: unknown[], def: CommandDefinition, fullName: string) => {
      assert.equal(got[0], fullName);
      assert.equal(got[1], def.arity, `${fullName} arity`);
      assert.deepEqual(got[2], [...def.flags], `${fullName} flags`);
      assert.deepEqual(got[6], deriveCategories(def).map((c) => `@${c}`), `${fullName} categories`);
      assert.deepEqual(got[7], [...(def.tips ?? [])], `${fullName} tips`);
    };
    check(info!, configDef, 'config');
    const subs = info![9] as unknown[][];
    assert.equal(subs.length, configDef.subcommands!.length);
    for (const sub of subs) {
      const name = String(sub[0]).split('|')[1]!;
      const def = configDef.subcommands!.find((d) => d.name === name);
      assert.ok(def !== undefined, name);
      check(sub, def, `config|${name}`);
    }
  } finally {
    redis.disconnect();
    await oracle.stop();
  }
});

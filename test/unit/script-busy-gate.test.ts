/**
 * The busy gate's rules for both kinds of script (EVAL and FCALL), with a fake job
 * and host: which -BUSY text other clients get, SCRIPT KILL vs FUNCTION KILL
 * (Redis 7.2's scriptKill), UNKILLABLE after a write, the late reply, and stop().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptBusyGate, type ScriptBusyHost } from '../../src/server/script-busy.js';
import { DeferredCall } from '../../src/commands/dispatcher.js';
import { errors } from '../../src/errors.js';
import { reply, type Reply } from '../../src/protocol/reply.js';
import type { Command } from '../../src/command-context/command-spec.js';
import type { CommandContext } from '../../src/command-context/context.js';
import type { ScriptControl, ScriptJob } from '../../src/command-context/services.js';
import type { Client } from '../../src/server/client.js';

const plain = { flags: ['fast'] } as unknown as Command;
const allowBusy = { flags: ['noscript', 'allow_busy'] } as unknown as Command;

function setup(kind: 'eval' | 'function') {
  const delivered: (Reply | null)[] = [];
  const logs: string[] = [];
  const client = { inExec: false, blocked: false, scriptContinuation: null } as unknown as Client;
  const host: ScriptBusyHost = {
    threshold: () => 0,
    logger: { warning: (m) => logs.push(m), notice: (m) => logs.push(m) },
    connectionOf: () => ({ unblocked: (r) => delivered.push(r), push: () => {}, resumeInput: () => {} }),
    deferCall: () => new DeferredCall(),
    now: () => 0,
    enterSlice: () => {},
    exitSlice: () => {},
  };
  const gate = new ScriptBusyGate(host);
  let control: ScriptControl | null = null;
  let abandoned = false;
  const step = (): Reply | 'paused' => {
    const killed = control!.interrupt();
    if (killed !== null) return reply.error(`ERR ${killed}`);
    return control!.pause() ? 'paused' : reply.ok;
  };
  const job: ScriptJob = {
    kind,
    name: kind === 'eval' ? 'f00' : 'myfunc',
    debug: null,
    start: (c) => {
      control = c;
      return step();
    },
    resume: step,
    abandon: () => {
      abandoned = true;
    },
  };
  const ctx = { client } as unknown as CommandContext;
  return { gate, job, ctx, client, delivered, logs, control: () => control!, abandoned: () => abandoned };
}

const turn = () => new Promise((r) => setImmediate(r));

test('a paused function: FUNCTION KILL variant of BUSY, SCRIPT KILL refused, FUNCTION KILL stops it', async () => {
  const s = setup('function');
  assert.equal(s.gate.execute(s.ctx, s.job), null, 'past the threshold the script pauses: no reply yet');
  assert.equal(s.client.blocked, true);
  assert.equal(s.gate.suspended, true);
  assert.equal(s.gate.refusal(plain), errors.busyScriptFunction);
  assert.equal(s.gate.refusal(allowBusy), null);
  assert.equal(s.gate.busyError(), errors.busyScriptFunction);
  assert.deepEqual(s.gate.kill('eval'), reply.error(errors.busyScriptFunction));
  assert.deepEqual(s.gate.kill('function'), reply.ok);
  await turn();
  assert.deepEqual(s.delivered, [reply.error(`ERR ${errors.scriptKilled}`)]);
  assert.equal(s.client.blocked, false);
  assert.equal(s.gate.suspended, false);
  assert.deepEqual(s.gate.kill('function'), reply.error(errors.notBusy));
  assert.ok(s.logs.some((l) => l.startsWith('Slow script detected') && l.includes('FUNCTION KILL') && l.includes('myfunc')));
});

test('a paused EVAL: FUNCTION KILL refused with the SCRIPT KILL variant; UNKILLABLE once it wrote', async () => {
  const s = setup('eval');
  assert.equal(s.gate.execute(s.ctx, s.job), null);
  assert.equal(s.gate.refusal(plain), errors.busyScriptEval);
  assert.deepEqual(s.gate.kill('function'), reply.error(errors.busyScriptEval));
  s.control().markWrite();
  assert.deepEqual(s.gate.kill('eval'), reply.error(errors.unkillable));
  assert.deepEqual(s.gate.kill('function'), reply.error(errors.unkillable));
  s.gate.stop();
  assert.equal(s.abandoned(), true);
  assert.equal(s.gate.suspended, false);
  await turn();
  assert.deepEqual(s.delivered, [], 'a stopped script never answers');
});

test('inside EXEC with no continuation to go on with, a script runs to its end (nowhere to answer later)', () => {
  const s = setup('eval');
  (s.client as { inExec: boolean }).inExec = true;
  assert.deepEqual(s.gate.execute(s.ctx, s.job), reply.ok);
  assert.equal(s.gate.suspended, false);
});

/**
 * Property: for random users and random commands, ACL DRYRUN's verdict is what actually
 * running the command as that user does — allowed exactly when the command runs (any
 * reply but NOPERM), denied exactly when it is refused with NOPERM, and the denial
 * names the same kind (command / key / channel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';

const RULES = [
  '+@all', '-@all', '+get', '-get', '+set', '-set', '+@read', '-@read', '+@write', '-@write', '+@string', '-@string',
  '+@keyspace', '-@keyspace', '-@dangerous', '+config|get', '+client|id', '-client', '+select|0', '+exists', '+publish', '+hset', '+copy',
  '~*', '~a*', '~b:*', '%R~r*', '%W~w*', '%RW~x*', 'allkeys', 'resetkeys', '&*', '&news', '&n*', 'resetchannels', 'allchannels',
  '(~s* +get +set)', '(%R~* +@read)', '(&x* +get ~x*)', '(&x* +publish)', 'clearselectors',
];

const KEYS = ['a1', 'b:1', 'r1', 'w1', 'x1', 's1', 'zz'];
const CHANNELS = ['news', 'nope', 'x1'];

const commandArb = fc.oneof(
  fc.constantFrom(...KEYS).map((k) => ['GET', k]),
  fc.constantFrom(...KEYS).map((k) => ['SET', k, 'v']),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS)).map(([a, b]) => ['COPY', a, b]),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS)).map(([a, b]) => ['MSET', a, '1', b, '2']),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS)).map(([a, b]) => ['RENAME', a, b]),
  fc.constantFrom(...KEYS).map((k) => ['HSET', k, 'f', 'v']),
  fc.constantFrom(...KEYS).map((k) => ['EXISTS', k]),
  fc.constantFrom(...CHANNELS).map((c) => ['PUBLISH', c, 'hi']),
  fc.constantFrom(['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '10'], ['CLIENT', 'ID'], ['SELECT', '0'], ['SELECT', '1'], ['DBSIZE'], ['FLUSHDB'], ['INFO', 'server']),
);

function kindOfDryrun(r: string): 'ok' | 'command' | 'key' | 'channel' {
  if (r === '+OK\r\n') return 'ok';
  if (r.includes(' command')) return 'command';
  if (r.includes(' key')) return 'key';
  if (r.includes(' channel')) return 'channel';
  throw new Error(`unexpected DRYRUN reply ${JSON.stringify(r)}`);
}

function kindOfRun(r: string): 'ok' | 'command' | 'key' | 'channel' {
  if (!r.startsWith('-NOPERM')) return 'ok';
  if (r.includes("has no permissions to run")) return 'command';
  if (r.includes('access a key')) return 'key';
  if (r.includes('access a channel')) return 'channel';
  throw new Error(`unexpected NOPERM reply ${JSON.stringify(r)}`);
}

test('property: ACL DRYRUN agrees with executing the command as that user', async () => {
  const { server, port, close } = await startTestServer();
  const admin = await RawClient.connect(port);
  const user = await RawClient.connect(port);
  let runs = 0;
  let denied = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...RULES), { maxLength: 8 }), fc.array(commandArb, { minLength: 1, maxLength: 6 }), async (rules, commands) => {
        const set = await admin.call('ACL', 'SETUSER', 'p', 'reset', 'on', '>pw', ...rules);
        if (set !== '+OK\r\n') {
          // some rule lists are invalid ("allkeys ~a*"): that is Redis's answer too
          assert.match(set, /^-ERR Error in ACL SETUSER modifier '/);
          return;
        }
        assert.equal(await user.call('AUTH', 'p', 'pw'), '+OK\r\n');
        for (const argv of commands) {
          const verdict = kindOfDryrun(await admin.call('ACL', 'DRYRUN', 'p', ...argv));
          const actual = kindOfRun(await user.call(...argv));
          assert.equal(actual, verdict, `${rules.join(' ')} :: ${argv.join(' ')}`);
          runs++;
          if (verdict !== 'ok') denied++;
        }
        // back to a clean state for the next case
        assert.equal(await user.call('AUTH', 'default', 'x'), '+OK\r\n');
        await admin.call('FLUSHALL');
      }),
      { numRuns: 150 },
    );
    // the generator must exercise both outcomes, or the property proves little
    assert.ok(denied > 0 && denied < runs, `denied ${denied} of ${runs}`);
    assert.equal(server.acl.users.has('p'), true);
  } finally {
    admin.close();
    user.close();
    await close();
  }
});

/**
 * A preload that tells where a Redoubt server's event loop stalls (issue 17 goal 6):
 *
 *   REDOUBT_STALL_LOG=/tmp/stalls.log node --import ./scripts/loop-stall-trace.mjs dist/src/main.js --port 21001 …
 *
 * (the relaunched server inherits --import through execArgv; REDOUBT_STALL_DIST=…/dist/src
 * traces another build, e.g. one started by bench:persistence --redoubt-main). It appends one line per event
 * to REDOUBT_STALL_LOG (default stderr), times in ms since the process started:
 *  - `gap`: the loop came back to a 1 ms timer more than STALL_MS (default 5) late;
 *  - `gc`: a collection of STALL_MS/2 or more (kind and duration, from perf_hooks);
 *  - `fs`: a synchronous fs call (open, fsync, rename, unlink, close, write, …) of 1 ms or more;
 *  - `slice`: a background snapshot slice (BackgroundSnapshot.slice) of STALL_MS/2 or more;
 *  - `hook`: the sum of copy-on-write hook time within one turn, when STALL_MS/2 or more;
 *  - `call`: one of the named persistence methods below, when STALL_MS/2 or more;
 * slices and calls show wall ms and, in brackets, the main thread's CPU ms meanwhile (from
 * /proc): a wall time far above the CPU time is time the thread did not run (a loaded machine).
 * A gap line lists the events that ended inside it, so each stall comes with its causes.
 * A diagnostic, not a benchmark: the wrappers cost a little on every call they wrap.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STALL_MS = Number(process.env['REDOUBT_STALL_MS'] ?? 5);
const logPath = process.env['REDOUBT_STALL_LOG'];
/** the build whose persistence classes are wrapped: REDOUBT_STALL_DIST, or this checkout's dist/src */
const dist = process.env['REDOUBT_STALL_DIST'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/src');
const writeLine = (s) => (logPath ? fs.appendFileSync(logPath, `${process.pid} ${s}\n`) : process.stderr.write(`${s}\n`));
const origAppend = fs.appendFileSync;
const t = () => performance.now().toFixed(1);

/** events that ended since the last gap check: [end ms, text] */
let recent = [];
const note = (text) => recent.push(`${text}@${t()}`);

// --- synchronous fs calls ---
const FS_CALLS = ['openSync', 'fsyncSync', 'fdatasyncSync', 'renameSync', 'unlinkSync', 'closeSync', 'writeSync', 'ftruncateSync', 'rmSync', 'readdirSync', 'statSync', 'fstatSync', 'mkdirSync'];
for (const name of FS_CALLS) {
  const orig = fs[name];
  fs[name] = function (...args) {
    const s = performance.now();
    try {
      return orig.apply(this, args);
    } finally {
      const d = performance.now() - s;
      if (d >= 1) note(`fs.${name}=${d.toFixed(1)}`);
    }
  };
}
fs.appendFileSync = origAppend;
syncBuiltinESMExports();

// --- GC ---
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.duration >= STALL_MS / 2) {
      const kinds = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
      recent.push(`gc.${kinds[e.detail?.kind] ?? e.detail?.kind}=${e.duration.toFixed(1)}@${(e.startTime + e.duration).toFixed(1)}`);
    }
  }
}).observe({ entryTypes: ['gc'] });

/** The main (JavaScript) thread's CPU time so far, ms, from /proc (Linux). */
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const mainCpuMs = () => {
  try {
    return Number(fs.readFileSync(schedstat, 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
};

// --- persistence methods ---
const wrap = (proto, name, label, threshold = STALL_MS / 2) => {
  const orig = proto[name];
  if (typeof orig !== 'function') {
    writeLine(`loop-stall-trace: no method ${label}`);
    return;
  }
  proto[name] = function (...args) {
    const s = performance.now();
    const c = mainCpuMs();
    try {
      return orig.apply(this, args);
    } finally {
      const d = performance.now() - s;
      // wall ms, and the process's CPU ms meanwhile (all threads): wall far above CPU is
      // time the process was not running (a loaded machine), not work
      if (d >= threshold) {
        note(`${label}=${d.toFixed(1)}(cpu ${(mainCpuMs() - c).toFixed(1)})`);
      }
    }
  };
};
let hookMs = 0;
let hookKeys = 0;
try {
  const sf = await import(path.join(dist, 'persistence/snapshot-file.js'));
  wrap(sf.BackgroundSnapshot.prototype, 'slice', 'slice');
  wrap(sf.BackgroundSnapshot.prototype, 'pump', 'pump');
  wrap(sf.BackgroundSnapshot.prototype, 'commit', 'commit');
  const sn = await import(path.join(dist, 'persistence/snapshot.js'));
  const orig = sn.KeySnapshot.prototype.beforeKeyChange;
  sn.KeySnapshot.prototype.beforeKeyChange = function (...args) {
    const s = performance.now();
    try {
      return orig.apply(this, args);
    } finally {
      hookMs += performance.now() - s;
      hookKeys++;
    }
  };
  const aw = await import(path.join(dist, 'persistence/aof/aof-writer.js'));
  for (const m of ['startRewrite', 'finishRewrite', 'flush', 'syncInBackground', 'abortRewrite']) wrap(aw.AofWriter.prototype, m, `aof.${m}`);
  const am = await import(path.join(dist, 'persistence/aof-manager.js'));
  for (const m of ['startRewrite', 'rewriteDone', 'cron']) wrap(am.AofPersistence.prototype, m, `aofp.${m}`);
} catch (e) {
  writeLine(`loop-stall-trace: could not wrap persistence methods: ${e.message}`);
}

// --- the gap detector ---
let last = performance.now();
const tick = () => {
  const now = performance.now();
  const late = now - last - 1;
  if (hookMs >= STALL_MS / 2) recent.push(`hooks=${hookMs.toFixed(1)}/${hookKeys}keys@${t()}`);
  hookMs = 0;
  hookKeys = 0;
  if (late >= STALL_MS) writeLine(`gap ${late.toFixed(1)} ms ending ${now.toFixed(1)}: ${recent.join(' ')}`);
  else if (recent.length > 0 && process.env['REDOUBT_STALL_ALL'] === '1') writeLine(`-- ${recent.join(' ')}`);
  recent = [];
  last = performance.now();
  setTimeout(tick, 1).unref();
};
setTimeout(tick, 1).unref();
writeLine(`loop-stall-trace: pid ${process.pid}, stalls >= ${STALL_MS} ms`);

/**
 * The heap a server holds once built, without the garbage its construction left behind
 * (the start-up baseline memory-accounting.ts logs and leaves out of used_memory). Building
 * the command table, compiling the Lua VMs and parsing the config leave megabytes of
 * garbage that V8 collects whenever it likes; measured before that collection, the figure
 * grew with every release (19 MB, then 21 MB, of which a few MB were live).
 *
 * So the measurement forces one full collection first. Node exposes `gc` only with
 * --expose-gc; the flag can be set at run time and takes effect for contexts created
 * afterwards, so the function is taken from a fresh context. Once per process: a process
 * runs one server, and a test process that builds a thousand in-process servers (property
 * tests) would otherwise spend minutes in full collections of its own growing heap, for a
 * figure that means nothing when servers share one heap.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFunction = (options?: { type: 'major' | 'minor' }) => void;

let collect: GcFunction | null = null;

function gcFunction(): GcFunction {
  if (collect === null) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as GcFunction;
  }
  return collect;
}

/** Runs a full garbage collection (at most a few ms on a fresh server). */
export function fullCollection(): void {
  gcFunction()();
}

/**
 * Runs a young-generation collection (a scavenge: cost by the live young objects, not the
 * heap's size). After a few seconds without allocation V8 then shrinks the young generation
 * to its initial size and returns the rest (young-gen-trim.ts).
 */
export function minorCollection(): void {
  gcFunction()({ type: 'minor' });
}

let collectedOnce = false;

/** fullCollection() the first time a process asks, nothing after that. */
export function firstFullCollection(): void {
  if (collectedOnce) return;
  collectedOnce = true;
  fullCollection();
}

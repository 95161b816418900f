/**
 * MEMORY DOCTOR: a short report on memory use, from the same figures MEMORY STATS reports,
 * checking what Redis's doctor checks that has a meaning on Redoubt's heap: an instance
 * too small to judge (under 5 MB used beyond start-up), a peak far above current use, a process much larger
 * than the memory it accounts for, and clients holding large buffers. Redoubt's own words.
 */
import { defineCommand } from '../command-context/command-spec.js';
import { reply } from '../protocol/reply.js';

const EMPTY_BELOW = 5 * 1024 * 1024;
const MB = 1024 * 1024;

export const memoryDoctor = defineCommand({
  name: 'doctor',
  arity: 2,
  flags: [],
  categories: [],
  tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
  docs: { summary: 'Reports possible memory problems in plain words.', since: '4.0.0', group: 'server', complexity: 'O(1)' },
  run(ctx) {
    const mem = ctx.services.keyspace.memory;
    mem.clients = ctx.services.clients.bufferBytes();
    const fig = mem.figures();
    // the runtime's own start-up memory is not the instance's: judge what came after it
    if (fig.used - fig.startup < EMPTY_BELOW) {
      return reply.verbatim(
        'This instance is empty or uses very little memory (under 5 MB): there is nothing meaningful to analyse yet. Come back once it holds some data.\n',
      );
    }
    const issues: string[] = [];
    if (mem.peak / fig.used > 1.5) {
      issues.push(
        `Peak memory: at its peak the instance used ${(mem.peak / MB).toFixed(1)} MB, over 150% of what it uses now (${(fig.used / MB).toFixed(1)} MB). ` +
          'Plan capacity for the peak, or find what caused it (a large temporary value, a burst of client output).',
      );
    }
    const rss = process.memoryUsage().rss;
    if (rss / fig.used > 1.4 && rss - fig.used > 10 * MB) {
      issues.push(
        `Process size: the process holds ${(rss / MB).toFixed(1)} MB for ${(fig.used / MB).toFixed(1)} MB of accounted memory. ` +
          'Much of it may be freed memory the runtime has not returned to the system yet; it is reused for new data.',
      );
    }
    const clients = ctx.services.clients.list().length;
    if (clients > 0 && fig.clients / clients > 200 * 1024) {
      issues.push(
        `Client buffers: clients hold ${(fig.clients / MB).toFixed(1)} MB of query and output buffers, over 200 KB each on average. ` +
          'Look for clients that do not read their replies (CLIENT LIST omem) and for large pipelines; client-output-buffer-limit bounds them.',
      );
    }
    if (issues.length === 0) return reply.verbatim('No memory issue found in this instance.\n');
    return reply.verbatim('Possible memory issues in this instance:\n\n' + issues.map((i) => `- ${i}`).join('\n\n') + '\n');
  },
});

/**
 * LATENCY GRAPH and LATENCY DOCTOR: the human-readable views of the latency monitor
 * (latency.ts).
 *
 * GRAPH renders the event's samples as Redis's sparkline does (latency.c, sparkline.c): a
 * header "<event> - high <max> ms, low <min> ms (all time high <max> ms)", a rule of 80
 * dashes, then up to 80 samples per block in 4 rows of the fill charset "_o#" ('|' below
 * the top), a blank row and each sample's age ("12s", "3m", "2h", "1d") written vertically.
 *
 * DOCTOR gives, per event, Redis's figures (spikes, average, mean absolute deviation,
 * period between spikes, worst ever) and short advice for the events Redoubt records
 * (command, fast-command, expire-cycle, aof-*), in Redoubt's own words.
 */
import type { LatencyEvent } from './latency.js';

const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;
const FILL = '_o#';

interface Sample {
  value: number;
  label: string;
}

function ageLabel(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h`;
  return `${Math.floor(elapsed / 86400)}d`;
}

/** One block of at most GRAPH_COLS samples: the bar rows, then the labels top-down. */
function renderBlock(seq: readonly Sample[], min: number, max: number): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = FILL.length * GRAPH_ROWS;
  const stepOf = seq.map((s) => {
    // as sparkline.c: the product is truncated first, then divided and truncated again
    const step = Math.trunc(Math.trunc((s.value - min) * steps) / relmax);
    return Math.min(steps - 1, Math.max(0, step));
  });
  let out = '';
  for (let row = 0; row < GRAPH_ROWS; row++) {
    let line = '';
    for (const step of stepOf) {
      const idx = step - (GRAPH_ROWS - row - 1) * FILL.length;
      line += idx >= 0 && idx < FILL.length ? FILL[idx] : idx >= FILL.length ? '|' : ' ';
    }
    out += line + '\n';
  }
  // one blank row, then the labels, one character per row
  out += ' '.repeat(seq.length) + '\n';
  const longest = Math.max(...seq.map((s) => s.label.length));
  for (let c = 0; c < longest; c++) {
    let line = '';
    for (const s of seq) line += c < s.label.length ? s.label[c] : ' ';
    out += line + '\n';
  }
  return out;
}

export function latencyGraph(event: string, e: LatencyEvent, nowSec: number): string {
  const seq: Sample[] = [];
  let min = 0;
  let max = 0;
  for (const s of e.samples) {
    if (seq.length === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    seq.push({ value: s.latency, label: ageLabel(nowSec - s.time) });
  }
  let out = `${event} - high ${max} ms, low ${min} ms (all time high ${e.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
  for (let j = 0; j < seq.length; j += GRAPH_COLS) {
    if (j !== 0) out += '\n';
    out += renderBlock(seq.slice(j, j + GRAPH_COLS), min, max);
  }
  return out;
}

interface EventStats {
  samples: number;
  avg: number;
  mad: number;
  period: number;
}

/** Redis's analyzeLatencyForEvent: integer average and mean absolute deviation, period since the oldest sample. */
function analyze(e: LatencyEvent, nowSec: number): EventStats {
  const n = e.samples.length;
  if (n === 0) return { samples: 0, avg: 0, mad: 0, period: 0 };
  let sum = 0;
  let oldest = Infinity;
  for (const s of e.samples) {
    sum += s.latency;
    oldest = Math.min(oldest, s.time);
  }
  const avg = Math.floor(sum / n);
  let dev = 0;
  for (const s of e.samples) dev += Math.abs(s.latency - avg);
  const period = Math.max(1, nowSec - oldest);
  return { samples: n, avg, mad: Math.floor(dev / n), period };
}

export interface DoctorInputs {
  events: ReadonlyMap<string, LatencyEvent>;
  /** latency-monitor-threshold, ms */
  threshold: number;
  /** slowlog-log-slower-than, µs */
  slowlogSlowerThan: number;
  appendfsync: string;
  nowSec: number;
}

export function latencyDoctor(d: DoctorInputs): string {
  if (d.events.size === 0 && d.threshold === 0) {
    return (
      'Latency monitoring is off in this instance, and no latency event was ever recorded. ' +
      'Turn it on with "CONFIG SET latency-monitor-threshold <milliseconds>" to have events recorded and analysed here.\n'
    );
  }
  const lines: string[] = [];
  const advice = new Set<string>();
  let n = 0;
  for (const [event, e] of d.events) {
    const ls = analyze(e, d.nowSec);
    n++;
    lines.push(
      `${n}. ${event}: ${ls.samples} latency spikes (average ${ls.avg}ms, mean deviation ${ls.mad}ms, period ${(ls.period / Math.max(1, ls.samples)).toFixed(2)} sec). Worst all time event ${e.max}ms.`,
    );
    if (event === 'command') {
      if (d.slowlogSlowerThan < 0) advice.add('The slow log is off: turn it on (slowlog-log-slower-than) to see which commands are slow.');
      else if (d.slowlogSlowerThan / 1000 > d.threshold) advice.add('The slow log threshold is above the latency monitor threshold: lower slowlog-log-slower-than to catch the commands behind these spikes.');
      advice.add('Check SLOWLOG GET for the slow commands: O(N) commands on big values (KEYS, SMEMBERS, LRANGE on long lists, DEL of large keys) are the usual cause.');
    } else if (event === 'fast-command') {
      advice.add('Commands that should take constant time were slow: the process is not getting CPU time regularly (an overloaded host, or pauses of the runtime).');
    } else if (event.startsWith('expire-cycle')) {
      advice.add('The active expiry cycle was slow: many keys expiring at the same moment. Spread expiry times out if you can.');
    } else if (event.startsWith('aof')) {
      advice.add(
        d.appendfsync === 'always'
          ? 'AOF writes were slow with appendfsync always: consider appendfsync everysec, or faster local disks.'
          : 'AOF writes were slow: the disk is busy or slow; prefer fast local disks for the append only file.',
      );
    }
  }
  if (n === 0) {
    return 'No latency spike was recorded since the server started (or since the last LATENCY RESET).\n';
  }
  let out = 'Latency spikes were recorded in this instance:\n\n' + lines.join('\n') + '\n';
  if (advice.size > 0) out += '\nWhat to look at:\n\n' + [...advice].map((a) => `- ${a}`).join('\n') + '\n';
  return out;
}

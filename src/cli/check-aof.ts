/**
 * `redoubt check-aof [--fix|--truncate-to-timestamp <ts>] <file.manifest|file.aof>`:
 * redis-check-aof 7.0's checks and report (src/persistence/aof/aof-check.ts).
 */
import type { Command } from 'commander';
import { checkAof, type RdbChecker } from '../persistence/aof/aof-check.js';

/** One line from stdin (the answer to `Continue? [y/N]:`), null at end of input. */
function readStdinLine(): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let acc = '';
    const finish = (v: string | null): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(v);
    };
    const onData = (d: Buffer): void => {
      acc += d.toString('latin1');
      const i = acc.indexOf('\n');
      if (i !== -1) finish(acc.slice(0, i));
    };
    const onEnd = (): void => finish(acc.length > 0 ? acc : null);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

export interface CheckAofCliOptions {
  fix?: boolean;
  truncateToTimestamp?: string;
}

export async function runCheckAof(file: string, opts: CheckAofCliOptions, checkRdb?: RdbChecker): Promise<number> {
  let ts = 0;
  if (opts.truncateToTimestamp !== undefined) {
    if (opts.fix === true || !/^[+-]?\d+$/.test(opts.truncateToTimestamp)) {
      process.stdout.write(opts.fix === true ? 'Invalid arguments: --fix and --truncate-to-timestamp do not go together\n' : 'Invalid timestamp, aborting...\n');
      return 1;
    }
    ts = Number(opts.truncateToTimestamp);
  }
  return checkAof(file, {
    fix: opts.fix === true,
    truncateToTimestamp: ts,
    out: (s) => process.stdout.write(Buffer.from(s, 'latin1')),
    confirm: readStdinLine,
    checkRdb,
  });
}

/** Adds the `check-aof` subcommand to the `redoubt` program. */
export function registerCheckAof(program: Command, setExit: (code: number) => void, checkRdb?: RdbChecker): void {
  program
    .command('check-aof')
    .description('check an append-only file (a manifest or a single file) like redis-check-aof; --fix truncates a torn tail (exit 0 valid or fixed, 1 not valid)')
    .helpOption('--help', 'display help for check-aof')
    .argument('<file>', 'the AOF manifest (appendonlydir/appendonly.aof.manifest) or a single AOF file')
    .option('--fix', 'truncate the last file to its last complete command, after confirmation on stdin')
    .option('--truncate-to-timestamp <unix-time>', 'truncate the last file at the first #TS: annotation later than this time')
    .action(async (file: string, opts: CheckAofCliOptions) => setExit(await runCheckAof(file, opts, checkRdb)));
}

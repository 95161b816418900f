/**
 * The `check-rdb` subcommand of `redoubt`: checks an RDB file as redis-check-rdb does
 * (exit 0 when it loads, 1 when it does not).
 */
import type { Command } from 'commander';
import { checkRdbFile } from '../persistence/rdb/check-rdb.js';

export function registerCheckRdb(program: Command, setExit: (code: number) => void): void {
  program
    .command('check-rdb')
    .description('check an RDB file (Redis 7.x format) and report like redis-check-rdb (exit 0 OK, 1 corrupt)')
    .helpOption('--help', 'display help for check-rdb')
    .argument('<file>', 'the RDB file')
    .option('--databases <n>', 'number of databases the file may use', '16')
    .action((file: string, opts: { databases: string }) => {
      const databases = Number(opts.databases);
      setExit(checkRdbFile(file, (line) => process.stdout.write(`${line}\n`), { databases: Number.isInteger(databases) && databases > 0 ? databases : 16 }));
    });
}

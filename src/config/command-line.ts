/**
 * redis-server's command line: `[configfile] [--directive args ...] [-]`.
 *
 * As in redis-server, a first argument not starting with '-' is the config file; `-` as
 * the first or last argument appends stdin to it; every `--name` starts a new config line
 * ("--port 6380" becomes `port "6380"`) appended after the file and stdin, so command-line
 * options win. `-v/--version` and `-h/--help` are recognised as the first argument only.
 * `--test-config` (a Redoubt addition, anywhere) loads and validates, then exits.
 */
import { resolve } from 'node:path';
import { reprArg } from './config-values.js';
import { splitArgs } from './split-args.js';

export interface CommandLine {
  mode: 'run' | 'help' | 'version' | 'test-config';
  /** absolute path of the config file, or null */
  configFile: string | null;
  /** read config from stdin (after the file) */
  stdin: boolean;
  /** config lines built from --options, to append after the file and stdin */
  options: string;
  /** true when no argument at all was given (redis-server then warns it uses defaults) */
  noArguments: boolean;
}

export function parseCommandLine(argvIn: readonly string[], cwd = process.cwd()): CommandLine {
  const testConfig = argvIn.includes('--test-config');
  const argv = argvIn.filter((a) => a !== '--test-config');
  const out: CommandLine = {
    mode: testConfig ? 'test-config' : 'run',
    configFile: null,
    stdin: false,
    options: '',
    noArguments: argvIn.length === 0,
  };
  if (argv.length === 0) return out;
  const first = argv[0]!;
  if (first === '-v' || first === '--version') return { ...out, mode: 'version' };
  if (first === '-h' || first === '--help') return { ...out, mode: 'help' };

  let j = 0;
  if (!first.startsWith('-')) {
    out.configFile = resolve(cwd, first);
    j = 1;
  }
  let options = '';
  // false while the last `--name` still waits for its first argument
  let handledLastConfigArg = true;
  const argc = argv.length;
  for (; j < argc; j++) {
    const a = argv[j]!;
    if (a === '-' && (j === 0 || j === argc - 1)) {
      out.stdin = true;
    } else if (handledLastConfigArg && a.startsWith('--')) {
      if (options.length > 0) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        // only a name: its value follows in the next argument(s)
        handledLastConfigArg = false;
        const next = argv[j + 1];
        const isLast = j === argc - 1;
        const lower = a.toLowerCase();
        if (lower === '--save' && next !== undefined && next.startsWith('--')) {
          // `--save --port 1` means `save ""` (compatibility with command lines built from empty arrays)
          options += '""';
          handledLastConfigArg = true;
        } else if (lower === '--save' && isLast) {
          options += '""';
        } else if (lower === '--sentinel' && next !== undefined && next.startsWith('--')) {
          handledLastConfigArg = true;
        }
      } else {
        // "--port 6380" given as one argument carries its value
        handledLastConfigArg = true;
      }
    } else {
      options += reprArg(a) + ' ';
      handledLastConfigArg = true;
    }
  }
  out.options = options;
  return out;
}

/** `--help` text, redis-server's usage adapted to the Redoubt binary name. */
export function usageText(bin = 'redoubt-server'): string {
  return [
    `Usage: ./${bin} [/path/to/redis.conf] [options] [-]`,
    `       ./${bin} - (read config from stdin)`,
    `       ./${bin} -v or --version`,
    `       ./${bin} -h or --help`,
    `       ./${bin} [/path/to/redis.conf] [options] --test-config`,
    '',
    'Examples:',
    `       ./${bin} (run the server with default conf)`,
    `       echo 'maxmemory 128mb' | ./${bin} -`,
    `       ./${bin} /etc/redis/6379.conf`,
    `       ./${bin} --port 7777`,
    `       ./${bin} /etc/myredis.conf --loglevel verbose -`,
    `       ./${bin} /etc/myredis.conf --loglevel verbose`,
    `       ./${bin} /etc/myredis.conf --test-config`,
    '',
  ].join('\n');
}

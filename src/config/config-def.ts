/**
 * One declarative config table drives the file parser, CONFIG GET/SET/REWRITE and
 * start-up validation. Each entry says how to parse a value, what it defaults to and
 * what happens when it changes.
 */
import type { Server } from '../server/server.js';

export type ConfigKind = 'bool' | 'int' | 'memory' | 'enum' | 'string' | 'special';

export type ConfigFlag =
  /** only at start-up (file / command line); CONFIG SET refuses */
  | 'immutable'
  /** value is a secret: never logged, redacted in events */
  | 'sensitive'
  /** CONFIG SET refused unless enable-protected-configs allows it */
  | 'protected'
  /** not shown by CONFIG GET * (still by exact name) */
  | 'hidden'
  /** several values accumulate (e.g. `save`, `rename-command`) */
  | 'multi';

/**
 * - active: implemented, takes effect
 * - noeffect: accepted and stored so an existing redis.conf loads, but has no effect yet
 * - unsupported-security: a security directive whose layer has not landed; refusing it
 *   beats pretending it is on
 */
export type ConfigStatus = 'active' | 'noeffect' | 'unsupported-security';

export interface ConfigDef {
  name: string;
  aliases?: readonly string[];
  kind: ConfigKind;
  /** default as CONFIG GET shows it */
  default: string;
  min?: number;
  max?: number;
  /** enum values, lower case */
  values?: readonly string[];
  /** enum where several values may be combined (e.g. `appendfsync`: no; `oom-score-adj`: single) */
  multiEnum?: boolean;
  flags?: readonly ConfigFlag[];
  status: ConfigStatus;
  /**
   * For 'special' kinds: turn the argument list of a config line / CONFIG SET value into
   * the canonical string CONFIG GET shows, or return an error text.
   */
  parse?: (args: string[]) => string | { error: string };
  /** Extra validation of a canonical value; returns an error text or null. */
  validate?: (value: string) => string | null;
  /** Called when the value changes at run time (and once at start-up). Returns an error text or null. */
  apply?: (server: Server, value: string) => string | null;
}

/**
 * Keyspace notification classes (the letters of notify-keyspace-events). Commands report
 * what they did with `ctx.notify(kind, event, key)`, using the same event names Redis uses
 * ("set", "del", "expired", "lpush", "hset"…); the keyspace hooks (server/keyspace-hooks.ts)
 * decide from the configured classes whether anything is published.
 */
export const NotifyKind = {
  /** g: generic commands (DEL, EXPIRE, RENAME…) */
  generic: 1 << 2,
  /** $: string commands */
  string: 1 << 3,
  /** l: list commands */
  list: 1 << 4,
  /** s: set commands */
  set: 1 << 5,
  /** h: hash commands */
  hash: 1 << 6,
  /** z: sorted set commands */
  zset: 1 << 7,
  /** x: expired events */
  expired: 1 << 8,
  /** e: evicted events */
  evicted: 1 << 9,
  /** t: stream commands */
  stream: 1 << 10,
  /** m: key-miss events (not part of A) */
  keyMiss: 1 << 11,
  /** n: new-key events (not part of A) */
  newKey: 1 << 13,
} as const;

export type NotifyKindBit = (typeof NotifyKind)[keyof typeof NotifyKind];

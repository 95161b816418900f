/** Redoubt's own version and the Redis version whose behaviour it reproduces. */
export const REDOUBT_VERSION = '0.1.0';
/** Reported where clients look for a Redis version (INFO redis_version, HELLO). */
export const REDIS_COMPAT_VERSION = '7.2.4';

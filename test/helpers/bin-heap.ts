/**
 * For tests that spawn dist/src/main.js and then look at the spawned pid (/proc/<pid>
 * memory, the pidfile, the pid in log lines): an explicit heap size makes the server run in
 * that very process. Without it, main.ts starts itself again with a heap sized from
 * maxmemory (src/server/heap-sizing.ts) and the spawned pid is the relaunching parent's,
 * whose memory says nothing about the server. 4096 MiB is about Node's default heap limit
 * on the development machine, so the server behaves as it did before heap sizing.
 */
export const EXPLICIT_HEAP_ARG = '--max-old-space-size=4096';

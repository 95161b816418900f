/**
 * Child process for the AOF crash test: appends `SET k<i> v<i>` through an AofWriter,
 * flushes every 10 commands and then prints `ack <i>` (every command up to i is
 * acknowledged), and every 300 commands rewrites the AOF from its own model of the
 * dataset. It runs until the parent kills it with SIGKILL.
 * argv: <dir> <appendfsync>
 */
import { AofWriter, type AppendFsync } from '../../src/persistence/aof/aof-writer.js';
import { AofRewriteFileWriter } from '../../src/persistence/aof/aof-rewrite-encoder.js';
import { emptyManifest } from '../../src/persistence/aof/aof-manifest.js';

const dir = process.argv[2]!;
const policy = process.argv[3] as AppendFsync;
const w = AofWriter.open({ dir, dirname: 'appendonlydir', filename: 'appendonly.aof', fsync: policy, useRdbPreamble: false }, emptyManifest());
let i = 0;
function batch(): void {
  for (let n = 0; n < 10; n++, i++) w.append(0, ['SET', `k${i}`, `v${i}`]);
  if (!w.flush()) throw new Error('AOF write failed');
  process.stdout.write(`ack ${i - 1}\n`);
  if (i % 300 === 0) {
    const t = w.startRewrite();
    const bw = new AofRewriteFileWriter(t.tempPath);
    bw.selectDb(0);
    for (let k = 0; k < i; k++) bw.key(`k${k}`, { type: 'string', value: `v${k}`, raw: false });
    bw.close();
    w.finishRewrite();
  }
  setImmediate(batch);
}
process.stdout.write('ready\n');
batch();

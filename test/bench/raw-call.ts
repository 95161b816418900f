/**
 * One command on a fresh raw connection, for the bench scripts: the reply's first line,
 * or a bulk reply's whole payload (binary string). Not a client: no pipelining, no RESP3.
 */
import net from 'node:net';

export async function rawCall(port: number, argv: readonly string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    return await new Promise<string>((resolve, reject) => {
      let got = '';
      socket.once('error', reject);
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        const end = got.indexOf('\r\n');
        if (end === -1) return;
        // a bulk reply: its payload follows the length line
        if (got.startsWith('$') && !got.startsWith('$-1')) {
          const len = Number(got.slice(1, end));
          if (got.length >= end + 2 + len + 2) resolve(got.slice(end + 2, end + 2 + len));
          return;
        }
        resolve(got.slice(0, end));
      });
      socket.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`, 'latin1');
    });
  } finally {
    socket.destroy();
  }
}

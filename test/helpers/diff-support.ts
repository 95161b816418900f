/**
 * What the differential tests (test/compat/*-diff.test.ts) share: command sequences with
 * key placeholders, a RESP reply parser that keeps each node's exact bytes, a seeded
 * random generator, and a short printable form of a reply for failure messages.
 */

/** A command sequence; arguments starting with `K:` are keys, prefixed per run by `bind`. */
export type Seq = string[][];

/** Replaces the `K:` placeholder of every key argument with `prefix`. */
export function bind(seq: Seq, prefix: string): Seq {
  return seq.map((argv) => argv.map((a) => (a.startsWith('K:') ? prefix + a.slice(2) : a)));
}

/** A parsed RESP reply; `raw` is its exact bytes. */
export interface Node {
  t: string;
  raw: string;
  s?: string;
  items?: Node[];
}

/** Parses one RESP2/RESP3 reply starting at `pos`; returns it and the position after it. */
export function parse(s: string, pos = 0): [Node, number] {
  const t = s[pos]!;
  const eol = s.indexOf('\r\n', pos);
  const head = s.slice(pos + 1, eol);
  let end = eol + 2;
  if (t === '$' || t === '=' || t === '!') {
    const n = Number(head);
    if (n < 0) return [{ t, raw: s.slice(pos, end) }, end];
    const body = s.slice(end, end + n);
    end += n + 2;
    return [{ t, raw: s.slice(pos, end), s: body }, end];
  }
  if (t === '*' || t === '%' || t === '~' || t === '>') {
    const n = Number(head);
    if (n < 0) return [{ t, raw: s.slice(pos, end) }, end];
    const items: Node[] = [];
    const total = t === '%' ? n * 2 : n;
    for (let i = 0; i < total; i++) {
      const [c, e] = parse(s, end);
      items.push(c);
      end = e;
    }
    return [{ t, raw: s.slice(pos, end), items }, end];
  }
  return [{ t, raw: s.slice(pos, end), s: head }, end];
}

/** A reply shortened for an assertion message. */
export function show(s: string): string {
  return JSON.stringify(s.length > 600 ? s.slice(0, 600) + '…' : s);
}

/** A small seeded generator (mulberry32), so a failing random sequence can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

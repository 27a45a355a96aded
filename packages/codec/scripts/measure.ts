/**
 * Sizes and decode speed of the wire format on the benchmark's big case: an LWW-Map with 100,000
 * distinct keys `key-${i}` holding `i`, written by one replica with a real hybrid logical clock.
 * Run: npx tsx packages/codec/scripts/measure.ts [n]
 */
import { HybridLogicalClock } from '@nlbd/core';
import { LWWMap, type LWWMapState } from '@nlbd/crdts';
import { decode, decodeInto, encode } from '../src/index.js';

const n = Number(process.argv[2] ?? 100_000);
const clock = new HybridLogicalClock('q3Z0dA1xR8mB2vW9cK4eLg');
const state = LWWMap.empty();
for (let i = 0; i < n; i++) LWWMap.joinInto(state, LWWMap.set(state, clock.replica, `key-${i}`, i, clock));

const plain = encode(LWWMap, state);
const packed = encode(LWWMap, state, { compress: true });
const packed9 = encode(LWWMap, state, { compress: true, level: 9 });
const kb = (b: number) => `${(b / 1000).toFixed(1)} KB`;
console.log(`entries: ${n}`);
console.log(`uncompressed: ${plain.length} bytes (${kb(plain.length)}; Yjs update v2 1.28 MB)`);
console.log(`compressed (level 6): ${packed.length} bytes (${kb(packed.length)}; Automerge 468 KB)`);
console.log(`compressed (level 9): ${packed9.length} bytes (${kb(packed9.length)})`);

// Baselines carry the same information as JSON: rows [key, value, wall, counter, replica, seq].
const rows = [...state.entries].map(([k, e]) => [k, e.value, e.wall, e.counter, e.replica, e.seq]);
const json = JSON.stringify(rows);
const kvJson = JSON.stringify(Object.fromEntries([...state.entries].map(([k, e]) => [k, e.value])));
console.log(`JSON rows: ${json.length} bytes; JSON key→value only: ${kvJson.length} bytes`);

function jsonRows(): number {
  const parsed = JSON.parse(json) as [string, number, number, number, string, number][];
  const map = new Map<string, object>();
  for (const [k, value, wall, counter, replica, seq] of parsed) {
    map.set(k, { value, deleted: false, wall, counter, replica, seq });
  }
  return map.size;
}
function jsonKeyValue(): number {
  const parsed = JSON.parse(kvJson) as Record<string, number>;
  const map = new Map<string, number>();
  for (const k in parsed) map.set(k, parsed[k] as number);
  return map.size;
}
function nlbd(bytes: Uint8Array): () => number {
  return () => {
    const target: LWWMapState = LWWMap.empty();
    LWWMap.joinInto(target, decode(LWWMap, bytes));
    return target.entries.size;
  };
}
function nlbdInto(bytes: Uint8Array): () => number {
  return () => {
    const target: LWWMapState = LWWMap.empty();
    decodeInto(LWWMap, target, bytes);
    return target.entries.size;
  };
}

/** Median of `rounds` timings, the runs of all candidates interleaved so drift hits all alike. */
function race(cands: Record<string, () => number>, rounds = 25): Record<string, number> {
  const times: Record<string, number[]> = {};
  for (const name of Object.keys(cands)) times[name] = [];
  for (let i = 0; i < rounds + 5; i++) {
    for (const [name, fn] of Object.entries(cands)) {
      const t0 = performance.now();
      if (fn() !== n) throw new Error(`${name} lost entries`);
      if (i >= 5) times[name]?.push(performance.now() - t0);
    }
  }
  const med: Record<string, number> = {};
  for (const [name, ts] of Object.entries(times))
    med[name] = ts.sort((a, b) => a - b)[ts.length >> 1] as number;
  return med;
}

// Yjs, for the ≥ 3x target, if the adapters package has it installed (it is not a codec dependency).
const yjsPath = new URL('../../adapters/node_modules/yjs/dist/yjs.mjs', import.meta.url).href;
// biome-ignore lint/suspicious/noExplicitAny: optional comparison target loaded at run time
const Y: any = await import(yjsPath).catch(() => undefined);
let yjs: (() => number) | undefined;
if (Y !== undefined) {
  const doc = new Y.Doc();
  doc.transact(() => {
    const map = doc.getMap('m');
    for (let i = 0; i < n; i++) map.set(`key-${i}`, i);
  });
  const update = Y.encodeStateAsUpdate(doc);
  console.log(`Yjs update v1: ${update.length} bytes, v2: ${Y.encodeStateAsUpdateV2(doc).length} bytes`);
  yjs = () => {
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, update);
    return fresh.getMap('m').size;
  };
}

const m = race({
  ...(yjs === undefined ? {} : { 'Yjs applyUpdate': yjs }),
  'JSON rows': jsonRows,
  'JSON key→value': jsonKeyValue,
  'nlbd decode+joinInto': nlbd(plain),
  'nlbd decodeInto': nlbdInto(plain),
  'nlbd decodeInto (compressed)': nlbdInto(packed),
});
for (const [name, t] of Object.entries(m)) console.log(`${name.padEnd(36)} ${t.toFixed(2)} ms`);
for (const way of ['nlbd decode+joinInto', 'nlbd decodeInto']) {
  const ours = m[way] as number;
  console.log(
    `${way}: speed vs JSON rows ${((m['JSON rows'] as number) / ours).toFixed(2)}x (target ≥ 0.7x)`,
  );
  console.log(`${way}: speed vs JSON key→value ${((m['JSON key→value'] as number) / ours).toFixed(2)}x`);
  if (yjs !== undefined)
    console.log(
      `${way}: speed vs Yjs applyUpdate ${((m['Yjs applyUpdate'] as number) / ours).toFixed(2)}x (target ≥ 3x)`,
    );
}

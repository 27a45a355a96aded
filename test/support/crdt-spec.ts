import type { Key, LWWEntry, LWWMapState, ORMapState, Value } from '@nlbd/crdts';
import { lwwWins } from '@nlbd/crdts';
import { keyId, type Op } from './crdt-subjects.ts';

/**
 * An operation as a multi-replica run recorded it: who made it, the operations whose effects
 * its replica held at that moment (`seen`, excluding itself), and the delta it produced.
 */
export interface OpRecord {
  readonly id: number;
  readonly replica: string;
  readonly op: Op;
  readonly seen: ReadonlySet<number>;
  readonly delta: unknown;
}

/** A write of a causal type: the keys leading to it (OR-Map keys, then a set element) and its value. */
interface Write {
  readonly op: OpRecord;
  readonly keys: readonly Key[];
  readonly value?: Value;
}

/** What one operation does, in the terms of the add-wins specification. */
interface Effect {
  readonly write?: Write;
  /** Key paths (as `keyId`s) under which this operation removes every write it has seen. */
  readonly kills: readonly string[][];
}

const ids = (keys: readonly Key[]) => keys.map(keyId);

/**
 * The effect of `op` on a value of `type` (a subject name) under OR-Map keys `keys`. A write's
 * own slot is among its kills, since a new add, enable or write replaces those it has seen.
 */
function effectOf(type: string, op: Op, rec: OpRecord, keys: readonly Key[]): Effect {
  const inner = /^ORMap\.of\((.*)\)$/.exec(type)?.[1];
  if (inner !== undefined) {
    const k = [...keys, op.key as Key];
    if (op.kind === 'remove') return { kills: [ids(k)] };
    if (['ORSet', 'EWFlag', 'MVRegister'].includes(inner) || inner.startsWith('ORMap')) {
      return effectOf(inner, op.inner as Op, rec, k);
    }
    return { write: { op: rec, keys: k }, kills: [ids(k)] }; // presence of a value without dots
  }
  switch (`${type}.${op.kind}`) {
    case 'ORSet.add':
      return { write: { op: rec, keys: [...keys, op.elem as Key] }, kills: [ids([...keys, op.elem as Key])] };
    case 'ORSet.remove':
      return { kills: [ids([...keys, op.elem as Key])] };
    case 'EWFlag.enable':
      return { write: { op: rec, keys }, kills: [ids(keys)] };
    case 'MVRegister.set':
      return { write: { op: rec, keys, value: op.value as Value }, kills: [ids(keys)] };
    default: // ORSet.clear, EWFlag.disable, MVRegister.clear
      return { kills: [ids(keys)] };
  }
}

const startsWith = (path: readonly string[], prefix: readonly string[]) =>
  prefix.every((p, i) => path[i] === p);

/**
 * The writes that survive: a write survives unless some other operation that had seen it
 * removes or replaces its slot (add-wins, enable-wins, MV keeps concurrent writes, and an
 * OR-Map removal removes exactly what its replica had seen).
 */
export function liveWrites(type: string, ops: readonly OpRecord[]): Write[] {
  const effects = ops.map((rec) => effectOf(type, rec.op, rec, []));
  return effects.flatMap(({ write }) => {
    if (write === undefined) return [];
    const path = ids(write.keys);
    const killed = ops.some(
      (o, i) =>
        o.seen.has(write.op.id) && (effects[i] as Effect).kills.some((prefix) => startsWith(path, prefix)),
    );
    return killed ? [] : [write];
  });
}

/** The winning LWW entry of a delta made by one LWW write (`undefined` for a no-op delete). */
function entryOf(type: string, rec: OpRecord): LWWEntry | undefined {
  if (type === 'ORMap.of(LWWRegister)') {
    const entries = [...(rec.delta as ORMapState).store.values()][0] as { value: LWWMapState }[];
    return [...(entries[0]?.value.entries.values() ?? [])][0];
  }
  return [...(rec.delta as LWWMapState).entries.values()][0];
}

/** The last write by timestamp (then replica id) among `recs`, or undefined. */
function lastWrite(type: string, recs: readonly OpRecord[]): OpRecord | undefined {
  let best: OpRecord | undefined;
  for (const rec of recs) {
    const e = entryOf(type, rec);
    if (e === undefined) continue;
    const b = best === undefined ? undefined : entryOf(type, best);
    if (b === undefined || lwwWins(e, b)) best = rec;
  }
  return best;
}

/** Groups `items` by their key under `keyOf`, keeping the first original key of each group. */
function groupBy<T>(items: readonly T[], keyOf: (t: T) => Key): Map<Key, T[]> {
  const firsts = new Map<string, Key>();
  const out = new Map<Key, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const first = firsts.get(keyId(k)) ?? k;
    firsts.set(keyId(k), first);
    out.set(first, [...(out.get(first) ?? []), item]);
  }
  return out;
}

const sum = (ops: readonly OpRecord[]) =>
  ops.reduce((n, { op }) => n + (op.kind === 'dec' ? -1 : 1) * (op.n ?? 0), 0);

/** The value of a causal type rebuilt from its live writes, at OR-Map depth `depth`. */
function causalValue(type: string, writes: readonly Write[], depth: number): unknown {
  const inner = /^ORMap\.of\((.*)\)$/.exec(type)?.[1];
  if (inner !== undefined) {
    const out = new Map<Key, unknown>();
    for (const [k, ws] of groupBy(writes, (w) => w.keys[depth] as Key))
      out.set(k, causalValue(inner, ws, depth + 1));
    return out;
  }
  if (type === 'ORSet') return new Set(groupBy(writes, (w) => w.keys[depth] as Key).keys());
  if (type === 'EWFlag') return writes.length > 0;
  return writes.map((w) => w.value); // MVRegister
}

/**
 * The value every replica must show once all of `ops` have reached it, by the type's
 * specification; `undefined` where it only pins down part of the value (see `partial`).
 */
export function specValue(type: string, ops: readonly OpRecord[]): unknown {
  switch (type) {
    case 'GCounter':
    case 'PNCounter':
      return sum(ops);
    case 'GSet':
      return new Set(groupBy(ops, (r) => r.op.elem as Key).keys());
    case 'LWWRegister': {
      const w = lastWrite(type, ops);
      return w === undefined ? undefined : w.op.value;
    }
    case 'LWWMap': {
      const out = new Map<Key, unknown>();
      for (const [k, recs] of groupBy(ops, (r) => r.op.key as Key)) {
        const w = lastWrite(type, recs);
        if (w?.op.kind === 'set') out.set(k, w.op.value);
      }
      return out;
    }
    case 'ORMap.of(PNCounter)':
    case 'ORMap.of(LWWRegister)':
      return presenceValue(type, ops);
    default:
      return causalValue(type, liveWrites(type, ops), 0);
  }
}

/**
 * An OR-Map over values without dots: a key is present iff some update of it survives the
 * removals that saw it; for keys never removed, the value is the counter's sum or the last
 * write. Keys that were removed show `'<removed>'`: tests compare their presence only.
 */
function presenceValue(type: string, ops: readonly OpRecord[]): Map<Key, unknown> {
  const live = new Set(liveWrites(type, ops).map((w) => keyId(w.keys[0] as Key)));
  const out = new Map<Key, unknown>();
  for (const [k, recs] of groupBy(ops, (r) => r.op.key as Key)) {
    if (!live.has(keyId(k))) continue;
    const updates = recs.filter((r) => r.op.kind === 'update');
    if (recs.some((r) => r.op.kind === 'remove')) out.set(k, '<removed>');
    else if (type === 'ORMap.of(PNCounter)')
      out.set(k, sum(updates.map((r) => ({ ...r, op: r.op.inner as Op }))));
    else out.set(k, lastWrite(type, updates)?.op.inner?.value);
  }
  return out;
}

/** `value` with the entries the spec leaves open (`'<removed>'`) replaced the same way. */
export function maskRemoved(value: unknown, spec: unknown): unknown {
  if (!(value instanceof Map) || !(spec instanceof Map)) return value;
  const out = new Map(value);
  for (const [k, v] of spec) {
    if (v !== '<removed>') continue;
    for (const vk of out.keys()) if (keyId(vk as Key) === keyId(k)) out.set(vk, '<removed>');
  }
  return out;
}

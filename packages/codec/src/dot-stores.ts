import { type Dot, DotContext } from '@nlbd/core';
import type { Causal, DotFun, DotSet, GSetState, StoredKey, Value } from '@nlbd/crdts';
import { readContext, writeContext } from './context.js';
import { DotSeen } from './dot-seen.js';
import { DotColumnReader, DotColumnWriter } from './dots.js';
import { readKeys, sortKeys, writeKeys } from './keys.js';
import type { StateCodec, StoreCodec } from './layout.js';
import { loadValues, wireValues } from './values.js';
import { asArray, asCount, asTuple, fail, type Reader, type Writer } from './wire.js';

/** A causal type's layout: `[context, store]`, the context first so ids are interned sorted. */
export function causalCodec<T>(store: StoreCodec<T>): StateCodec<Causal<T>> {
  return {
    write: (s, w) => [writeContext(s.context, w), store.writeStore(s.store, w)],
    read(x, r, path) {
      const [cx, sx] = asTuple(x, 2, path);
      const context = readContext(cx, r, `${path}.context`);
      return { store: store.readStore(sx, r, context, new DotSeen(), false, `${path}.store`), context };
    },
    // Bottom is an empty context: every live dot of a state lies in its context.
    adopt(target, state) {
      if (!DotContext.isEmpty(target.context)) return undefined;
      target.store = state.store;
      return DotContext.joinInto(target.context, state.context);
    },
  };
}

/**
 * G-Set: `[context, ...keys, dotReplicas, dotCounters]`, each element with the one dot that added
 * it (which must lie in the context).
 */
export const gsetCodec: StateCodec<GSetState> = {
  write(s, w) {
    const context = writeContext(s.context, w);
    const keys = sortKeys(s.elements.keys());
    const dots = new DotColumnWriter(w);
    for (const k of keys) dots.push([s.elements.get(k) as Dot]);
    return [context, ...writeKeys(keys), ...dots.columns()];
  },
  read(x, r, path) {
    const parts = asTuple(x, 7, path);
    const context = readContext(parts[0], r, `${path}.context`);
    const keys = readKeys(parts, 1, r, path);
    const dots = new DotColumnReader(parts, 5, r, path);
    if (dots.length !== keys.length) fail('expected one dot per element', path);
    const elements = new Map<StoredKey, Dot>();
    for (const k of keys) elements.set(k, (dots.take(1, context, undefined) as [Dot])[0]);
    return { elements, context };
  },
};

/**
 * The dot set of an EW-Flag (and of one OR-Set element): `[dotReplicas, dotCounters]`, ascending
 * by replica index, then counter.
 */
export const dotSetStoreCodec: StoreCodec<DotSet> = {
  writeStore(t, w) {
    const dots = new DotColumnWriter(w);
    dots.push(t);
    return dots.columns();
  },
  readStore(x, r, context, live, nonEmpty, path) {
    const dots = new DotColumnReader(asTuple(x, 2, path), 0, r, path);
    if (nonEmpty && dots.length === 0) fail('an OR-Map value must not be empty', path);
    return dots.take(dots.length, context, live);
  },
};

/**
 * The store of an OR-Set: `[...keys, dotCounts, dotReplicas, dotCounters]`; `dotCounts` gives each
 * element's number of dots (≥ 1), or is empty when every element has exactly one.
 */
export const orsetStoreCodec: StoreCodec<Map<StoredKey, DotSet>> = {
  writeStore(t, w) {
    const keys = sortKeys(t.keys());
    const counts: number[] = [];
    let allOne = true;
    const dots = new DotColumnWriter(w);
    for (const k of keys) {
      const n = dots.push(t.get(k) as DotSet);
      counts.push(n);
      if (n !== 1) allOne = false;
    }
    return [...writeKeys(keys), allOne ? [] : counts, ...dots.columns()];
  },
  readStore(x, r, context, live, nonEmpty, path) {
    const parts = asTuple(x, 7, path);
    const keys = readKeys(parts, 0, r, path);
    if (nonEmpty && keys.length === 0) fail('an OR-Map value must not be empty', path);
    const countsPath = `${path}.dotCounts`;
    const counts = asArray(parts[4], countsPath);
    if (counts.length !== 0 && counts.length !== keys.length)
      fail('expected one dot count per element or none', path);
    const dots = new DotColumnReader(parts, 5, r, path);
    const store = new Map<StoredKey, DotSet>();
    for (let i = 0; i < keys.length; i++) {
      const k = counts.length === 0 ? 1 : asCount(counts[i], countsPath, 1, i);
      store.set(keys[i] as StoredKey, dots.take(k, context, live));
    }
    dots.end();
    return store;
  },
};

/**
 * A dot function (the store of an MV-Register, and an OR-Map's value of a type without dots):
 * `[dotReplicas, dotCounters, values]`, one value per dot, ascending by replica index, then counter.
 */
export function dotFunCodec<V>(
  writeValues: (values: V[], w: Writer) => unknown[],
  readValues: (x: unknown, r: Reader, path: string) => V[],
): StoreCodec<DotFun<V>> {
  return {
    writeStore(t, w) {
      const sorted = [...t].sort(
        (a, b) => w.intern(a.dot.replica) - w.intern(b.dot.replica) || a.dot.counter - b.dot.counter,
      );
      const dots = new DotColumnWriter(w);
      for (const e of sorted) dots.pushOne(e.dot.replica, e.dot.counter);
      return [
        ...dots.columns(),
        writeValues(
          sorted.map((e) => e.value),
          w,
        ),
      ];
    },
    readStore(x, r, context, live, nonEmpty, path) {
      const parts = asTuple(x, 3, path);
      const dots = new DotColumnReader(parts, 0, r, path);
      if (nonEmpty && dots.length === 0) fail('an OR-Map value must not be empty', path);
      const values = readValues(parts[2], r, `${path}.values`);
      if (values.length !== dots.length) fail('expected one value per dot', `${path}.values`);
      return dots.take(dots.length, context, live).map((dot, i) => ({ dot, value: values[i] as V }));
    },
  };
}

/** The store of an MV-Register: values in the plain-data layout of `docs/wire-format.md`. */
export const mvStoreCodec: StoreCodec<DotFun<Value>> = dotFunCodec(wireValues, (x, _r, path) =>
  loadValues(asArray(x, path), path),
);

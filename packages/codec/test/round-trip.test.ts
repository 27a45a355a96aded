import { type Crdt, DecodeError, DotContext, HybridLogicalClock, ValidationError } from '@nlbd/core';
import {
  GCounter,
  type Key,
  LWWMap,
  type LWWMapState,
  LWWRegister,
  MVRegister,
  ORMap,
  ORSet,
  storableValue,
} from '@nlbd/crdts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyArb } from '../../../test/support/crdt-history.ts';
import { orMapOf, orSet, SUBJECTS, type Subject } from '../../../test/support/crdt-subjects.ts';
import { checkProperty } from '../../../test/support/property.ts';
import {
  decode,
  decodeDigest,
  decodeInto,
  encode,
  encodeDigest,
  inspect,
  registerMessage,
} from '../src/index.js';

const runs = { ciRuns: 300, localRuns: 40 };
const subjects: readonly Subject[] = [...SUBJECTS, orMapOf(orMapOf(orSet)), orMapOf(SUBJECTS[6] as Subject)];

/** Encode, decode, re-encode: the same state and the same bytes, compressed or not, any kind. */
function roundTrip(crdt: Crdt<unknown, unknown>, s: unknown): void {
  for (const options of [{}, { compress: true }, { kind: 'delta' as const }]) {
    const bytes = encode(crdt, s, options);
    expect(encode(crdt, s, options)).toEqual(bytes);
    const back = decode(crdt, bytes);
    expect(crdt.equals(back, s)).toBe(true);
    expect(crdt.equals(s, back)).toBe(true);
    expect(encode(crdt, back, options)).toEqual(bytes);
    expect(inspect(bytes).kind).toBe(options.kind ?? 'state');
  }
}

describe.each(subjects.map((s) => [s.name, s] as const))('%s', (_name, subject) => {
  it('round-trips every state and delta of random histories, byte for byte', () => {
    checkProperty(
      fc.property(historyArb(subject), (h) => {
        for (const s of [...h.states.slice(-3), ...h.deltas.slice(-3)]) roundTrip(subject.crdt, s);
      }),
      runs,
    );
  });

  it('decodeInto joins what decode returns, and reports the same change', () => {
    checkProperty(
      fc.property(historyArb(subject), (h) => {
        const { crdt } = subject;
        const targets = [crdt.empty(), h.states[Math.floor(h.states.length / 2)], h.states.at(-1)];
        for (const s of [...h.states.slice(-2), ...h.deltas.slice(-2)]) {
          const bytes = encode(crdt, s);
          for (const t of targets) {
            const viaDecode = crdt.clone(t);
            const viaInto = crdt.clone(t);
            expect(decodeInto(crdt, viaInto, bytes)).toBe(crdt.joinInto(viaDecode, decode(crdt, bytes)));
            expect(crdt.equals(viaInto, viaDecode)).toBe(true);
          }
        }
      }),
      runs,
    );
  });

  // Messages whose joiners join any number of targets, and one target only (`once`).
  const kind = `test.joiner.${subjects.indexOf(subject)}`;
  const Many = registerMessage<unknown>(kind, {
    encode: (s, w) => w.state(subject.crdt, s),
    decode: (data, r) => r.joiner(subject.crdt, data, 'state'),
  });
  const Once = registerMessage<unknown>(`${kind}.once`, {
    encode: (s, w) => w.state(subject.crdt, s),
    decode: (data, r) => r.joiner(subject.crdt, data, 'state', true),
  });

  it("a message's joiner joins into any number of targets, each independent of the others", () => {
    checkProperty(
      fc.property(historyArb(subject), subject.op, (h, op) => {
        const { crdt } = subject;
        const s = h.states.at(-1);
        const mid = h.states[Math.floor(h.states.length / 2)];
        const join = Many.decode(Many.encode(s)) as (target: unknown) => boolean;
        const targets = [crdt.empty(), crdt.clone(mid), crdt.empty()];
        for (const t of targets) {
          const expected = crdt.clone(t);
          const changed = crdt.joinInto(expected, s);
          expect(join(t)).toBe(changed);
          expect(crdt.equals(t, expected)).toBe(true);
        }
        // A write to the first target leaves the last as it was.
        crdt.joinInto(targets[0], subject.mutate(targets[0], 'zed', op, new HybridLogicalClock('zed')));
        expect(crdt.equals(targets[2], s)).toBe(true);
      }),
      runs,
    );
  });

  it("a message's joiner made to join once takes the state into a bottom target, then refuses", () => {
    checkProperty(
      fc.property(historyArb(subject), (h) => {
        const { crdt } = subject;
        for (const [t, s] of [
          [crdt.empty(), h.states.at(-1)],
          [crdt.clone(h.states[0]), h.deltas.at(-1) ?? crdt.empty()],
        ]) {
          const join = Once.decode(Once.encode(s)) as (target: unknown) => boolean;
          const expected = crdt.clone(t);
          expect(join(t)).toBe(crdt.joinInto(expected, s));
          expect(crdt.equals(t, expected)).toBe(true);
          expect(() => join(crdt.empty())).toThrow(/called again/);
        }
      }),
      runs,
    );
  });

  it('round-trips digests', () => {
    checkProperty(
      fc.property(historyArb(subject), (h) => {
        const digest = subject.crdt.digest(h.states.at(-1));
        const back = decodeDigest(encodeDigest(digest));
        expect(DotContext.equals(back.seen, digest.seen)).toBe(true);
        expect(back.live === undefined).toBe(digest.live === undefined);
        if (back.live && digest.live) expect(DotContext.equals(back.live, digest.live)).toBe(true);
        expect(encodeDigest(back)).toEqual(encodeDigest(digest));
      }),
      runs,
    );
  });

  it('refuses every strict prefix of an encoding with a DecodeError', () => {
    checkProperty(
      fc.property(historyArb(subject), (h) => {
        const bytes = encode(subject.crdt, h.states.at(-1));
        for (let n = 0; n < bytes.length; n++) {
          expect(() => decode(subject.crdt, bytes.subarray(0, n))).toThrow(DecodeError);
        }
      }),
      { ciRuns: 300, localRuns: 10 },
    );
  });
});

describe('types and tags', () => {
  it('refuses bytes of another type', () => {
    const bytes = encode(GCounter, GCounter.increment(GCounter.empty(), 'a', 2));
    expect(() => decode(LWWMap, bytes)).toThrow(/expected type 'lwwmap', got 'gcounter'/);
    const nested = encode(ORMap.of(ORSet), ORMap.of(ORSet).empty());
    expect(inspect(nested).tag).toBe('ormap<orset>');
    expect(() => decode(ORMap.of(ORMap.of(ORSet)), nested)).toThrow(DecodeError);
  });

  it('refuses an LWW-Map state whose entries are not a KeyMap', () => {
    const state = LWWMap.set(LWWMap.empty(), 'a', 'k', 1, new HybridLogicalClock('a'));
    const bare = { entries: new Map(state.entries), context: state.context } as unknown as LWWMapState;
    expect(() => encode(LWWMap, bare)).toThrow(ValidationError);
    expect(() => encode(LWWMap, bare)).toThrow(/KeyMap/);
  });

  it('keeps a decoded state apart from the input bytes', () => {
    const bytes = encode(ORSet, ORSet.add(ORSet.empty(), 'a', new Uint8Array([1, 2])));
    const back = decode(ORSet, bytes);
    bytes.fill(0);
    expect(ORSet.has(back, new Uint8Array([1, 2]))).toBe(true);
  });
});

describe('-0 and empty Maps in values', () => {
  it('are stored as 0 and {} by every mutator, so a state and its decoded copy are equal', () => {
    const clock = new HybridLogicalClock('a');
    const nested = { x: -0, list: [1, -0], map: new Map([['k', -0]]), none: new Map(), __proto__x: 'y' };
    const map = LWWMap.empty();
    LWWMap.setInto(map, 'a', 'zero', -0, clock);
    LWWMap.joinInto(map, LWWMap.set(map, 'a', 'nested', nested, clock));
    expect(Object.is(LWWMap.value(map).get('zero'), 0)).toBe(true);
    expect(LWWMap.value(map).get('nested')).toEqual({
      x: 0,
      list: [1, 0],
      map: new Map([['k', 0]]),
      none: {},
      __proto__x: 'y',
    });
    expect(Object.is(nested.x, -0)).toBe(true); // the caller's value is copied, not changed
    expect(LWWMap.equals(decode(LWWMap, encode(LWWMap, map)), map)).toBe(true);
    const reg = LWWRegister.set(LWWRegister.empty(), 'a', -0, clock);
    expect(Object.is(LWWRegister.value(reg), 0)).toBe(true);
    const mv = MVRegister.set(MVRegister.empty(), 'a', [-0, new Map()]);
    expect(MVRegister.equals(decode(MVRegister, encode(MVRegister, mv)), mv)).toBe(true);
  });

  it('keeps a key named __proto__ an own key when a value is copied', () => {
    const value = JSON.parse('{"__proto__": {"polluted": -0}, "n": -0}');
    const stored = storableValue(value) as Record<string, unknown>;
    expect(Object.keys(stored)).toEqual(['__proto__', 'n']);
    expect(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value).toEqual({ polluted: 0 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('rows joined into a large map', () => {
  /** Key `i`: a number, a boolean, bytes or a string, so that every wire group is met. */
  const keyOf = (i: number): Key => {
    if (i < 2) return i === 1;
    if (i % 13 === 0) return i / 13 - 0.5;
    if (i % 17 === 0) return new Uint8Array([i >> 8, i & 255]);
    return `k${String(i).padStart(6, '0')}`;
  };
  /** An LWW-Map of keys `from` to `to` (exclusive) written by `replica` at `now`, deleting every 9th. */
  const written = (replica: string, now: number, from: number, to: number, into = LWWMap.empty()) => {
    const clock = new HybridLogicalClock(replica, { now: () => now });
    for (let i = from; i < to; i++) {
      LWWMap.setInto(into, replica, keyOf(i), i, clock);
      if (i % 9 === 4) LWWMap.deleteInto(into, replica, keyOf(i), clock);
    }
    return into;
  };
  const copy = (s: LWWMapState) => {
    const c = LWWMap.empty();
    LWWMap.joinInto(c, s);
    return c;
  };

  it('joins as joinInto does, into a map decoded, written out of wire order, or far larger than the rows', () => {
    const n = 10_000;
    // Rows from two writers over half the map and past it: 'late' wins every key it meets,
    // 'early' loses every one (and adds the keys the map lacks).
    const rows = written('late', 9_000, n / 2, n);
    written('early', 1_000, n, n + n / 2, rows);
    written('early', 1_000, n / 4, n / 2, rows);
    const bytes = encode(LWWMap, rows);
    const made = written('a', 5_000, 0, n);
    const targets = {
      decoded: decode(LWWMap, encode(LWWMap, made)),
      // Written in the order of `keyOf`, which is not wire order.
      unordered: made,
      // Eight times the rows' span: the merge gallops past most of it.
      large: decode(LWWMap, encode(LWWMap, written('a', 5_000, 0, 8 * n))),
    };
    for (const [name, target] of Object.entries(targets)) {
      const expected = copy(target);
      LWWMap.joinInto(expected, decode(LWWMap, bytes));
      const joined = copy(target);
      expect(decodeInto(LWWMap, joined, bytes), name).toBe(true);
      expect(LWWMap.equals(joined, expected), name).toBe(true);
      expect(decodeInto(LWWMap, joined, bytes), name).toBe(false);
    }
  });

  it('joins rows between the keys of the map as joinInto does, though they outgrow the chunks merged', () => {
    const n = 12_000;
    const at = (replica: string, now: number) => new HybridLogicalClock(replica, { now: () => now });
    // The map holds the even keys; the rows hold every key of its middle: the odd ones new (each
    // lands inside a full chunk, which outgrows its limit), the even ones older, so each must lose.
    const made = LWWMap.empty();
    const own = at('a', 5_000);
    for (let i = 0; i < 2 * n; i += 2) LWWMap.setInto(made, 'a', keyOf(i), i, own);
    const rows = LWWMap.empty();
    const [late, early] = [at('late', 9_000), at('early', 1_000)];
    for (let i = n / 2; i < (3 * n) / 2; i++)
      if (i % 2 === 1) LWWMap.setInto(rows, 'late', keyOf(i), -i, late);
      else LWWMap.setInto(rows, 'early', keyOf(i), -i, early);
    const bytes = encode(LWWMap, rows);
    const target = decode(LWWMap, encode(LWWMap, made));
    const expected = copy(target);
    LWWMap.joinInto(expected, decode(LWWMap, bytes));
    const joined = copy(target);
    expect(decodeInto(LWWMap, joined, bytes)).toBe(true);
    expect(LWWMap.equals(joined, expected)).toBe(true);
    expect(joined.entries.chunks().length).toBeGreaterThan(target.entries.chunks().length);
    for (let i = n / 2; i < (3 * n) / 2; i++) expect(LWWMap.get(joined, keyOf(i))).toBe(i % 2 === 1 ? -i : i);
  });
});

describe('keys written in wire order', () => {
  /** Keys of every wire group; strings that start others, share prefixes, or differ past a surrogate. */
  const keys: Key[] = [
    false,
    true,
    -1.5,
    0,
    2,
    '',
    'a',
    'ab',
    'abc',
    'abd',
    'b',
    'key0000009',
    'key0000010',
    '\uD83D\uDE00',
    '\uD83D\uDE01',
    '\uFFFF',
    new Uint8Array([]),
    new Uint8Array([0]),
    new Uint8Array([0, 1]),
    new Uint8Array([2]),
  ];
  const mapOf = (order: readonly Key[]) => {
    const s = LWWMap.empty();
    const clock = new HybridLogicalClock('w', { now: () => 1_000 });
    for (const k of order) LWWMap.setInto(s, 'w', k, String(k), clock);
    return s;
  };

  it('writes keys in wire order whatever order they were set in', () => {
    checkProperty(
      fc.property(fc.shuffledSubarray(keys, { minLength: 1 }), (picked) => {
        const s = mapOf(picked);
        // The decoder refuses keys out of order; a decoded map holds them in the order read.
        const back = decode(LWWMap, encode(LWWMap, s));
        expect(LWWMap.equals(back, s)).toBe(true);
        expect([...back.entries.keys()]).toEqual([
          ...mapOf(keys.filter((k) => picked.includes(k))).entries.keys(),
        ]);
      }),
      runs,
    );
  });

  it('writes string keys in order, ASCII or not, whatever the set order; re-encodes byte for byte', () => {
    // Few code units, so keys share prefixes, start one another and differ at every place; an
    // optional key beyond ASCII (Latin-1, a surrogate pair) takes the code-unit-by-code-unit path.
    const unit = fc.constantFrom('\u0000', '0', '1', 'a', 'b', '~', '\u007f');
    const asciiKey = fc.string({ unit, maxLength: 6 });
    const otherKey = fc.constantFrom('\u0080', 'a\u00ff', 'b\uD83D\uDE00', '\uFFFF');
    checkProperty(
      fc.property(
        fc.uniqueArray(asciiKey, { minLength: 1, maxLength: 40 }),
        fc.option(otherKey),
        (ascii, other) => {
          const set = other === null || ascii.includes(other) ? ascii : [...ascii, other];
          const sorted = [...set].sort();
          const s = mapOf(set);
          const bytes = encode(LWWMap, s);
          const back = decode(LWWMap, bytes);
          expect(LWWMap.equals(back, s)).toBe(true);
          expect([...back.entries.keys()]).toEqual(sorted);
          // Set in order, as decoded: its keys are written as they iterate.
          expect(encode(LWWMap, back)).toEqual(bytes);
        },
      ),
      runs,
    );
  });
});

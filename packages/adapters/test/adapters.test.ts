import { DecodeError, ValidationError } from '@nlbd/core';
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { type Adapter, adapters, converged, pull, type WorkloadReplica } from '../src/index.js';

type Op =
  | { kind: 'set'; replica: number; key: string; value: number }
  | { kind: 'delete'; replica: number; key: string }
  | { kind: 'increment'; replica: number; n: number }
  | { kind: 'add' | 'remove'; replica: number; element: string }
  | { kind: 'pull'; replica: number; from: number };

const REPLICAS = 3;
const replica = fc.nat(REPLICAS - 1);
const key = fc.constantFrom('k0', 'k1', 'k2', 'k3');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), replica, key, value: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('delete' as const), replica, key }),
  fc.record({ kind: fc.constant('increment' as const), replica, n: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constantFrom('add' as const, 'remove' as const), replica, element: key }),
  fc.record({ kind: fc.constant('pull' as const), replica, from: replica }),
);

function run(r: WorkloadReplica, o: Op, all: readonly WorkloadReplica[]): void {
  if (o.kind === 'set') r.mapSet(o.key, o.value);
  else if (o.kind === 'delete') r.mapDelete(o.key);
  else if (o.kind === 'increment') r.counterIncrement(o.n);
  else if (o.kind === 'add') r.setAdd(o.element);
  else if (o.kind === 'remove') r.setRemove(o.element);
  else if (o.kind === 'pull' && all[o.from] !== r) pull(r, all[o.from]!);
}

function replicasOf(adapter: Adapter): WorkloadReplica[] {
  return Array.from({ length: REPLICAS }, (_, i) => adapter.createReplica(`r${i}`));
}

describe.each(adapters.map((a) => [a.name, a] as const))('%s', (_, adapter) => {
  it('random ops, random pulls, then a full exchange: every replica shows the same value', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const all = replicasOf(adapter);
        for (const o of ops) run(all[o.replica]!, o, all);
        for (const r of all) for (const s of all) if (r !== s) pull(r, s);
        expect(converged(all)).toBe(true);
        const fresh = adapter.createReplica('zz');
        fresh.apply(all[0]!.encodeState());
        expect(fresh.value()).toEqual(all[0]!.value());
      }),
      { numRuns: 25 },
    );
  });

  it('a single writer is seen the same way by every library', () => {
    const [a, b] = replicasOf(adapter) as [WorkloadReplica, WorkloadReplica];
    a.transact(() => {
      a.mapSet('x', 1);
      a.mapSet('y', 'two');
      a.mapSet('z', null);
      a.mapDelete('x');
      a.counterIncrement(5);
      a.counterIncrement(-2);
      a.setAdd('p');
      a.setAdd('q');
      a.setRemove('p');
    });
    pull(b, a);
    expect(b.value()).toEqual({ map: { y: 'two', z: null }, counter: 3, set: ['q'] });
  });

  it('an incremental update after a sync is smaller than the full state', () => {
    const [a, b] = replicasOf(adapter) as [WorkloadReplica, WorkloadReplica];
    a.transact(() => {
      for (let i = 0; i < 200; i++) a.mapSet(`key${i}`, i);
    });
    pull(b, a);
    a.mapSet('key0', 'changed');
    const update = a.encodeSince(b.digest());
    expect(update.byteLength).toBeLessThan(a.encodeState().byteLength / 4);
    b.apply(update);
    expect(b.value()).toEqual(a.value());
  });

  it('refuses replica ids other libraries cannot carry', () => {
    for (const id of ['', 'ABC', 'toolong', 'a-b']) {
      expect(() => adapter.createReplica(id)).toThrow(ValidationError);
    }
    expect(() => adapter.createReplica('a').counterIncrement(0.5)).toThrow(ValidationError);
  });
});

describe('plain', () => {
  it('refuses bytes that are not its encoding', () => {
    const r = adapters[0]!.createReplica('a');
    expect(() => r.apply(new TextEncoder().encode('{"m": 1}'))).toThrow(DecodeError);
    expect(() => r.apply(new Uint8Array([0xff]))).toThrow(DecodeError);
    expect(() => r.encodeSince(new TextEncoder().encode('[]'))).toThrow(DecodeError);
  });
});

describe('nlbd', () => {
  it('refuses a document whose last part is bad, and joins none of it', () => {
    const nlbd = adapters.find((a) => a.name === 'nlbd')!;
    const a = nlbd.createReplica('a');
    a.mapSet('k', 1);
    a.counterIncrement(3);
    a.setAdd('x');
    const good = a.encodeState();
    const b = nlbd.createReplica('b');
    // Well-formed msgpack whose map and counter parts are valid and whose set part is not.
    const head = 7 + good[6]!;
    const [table, parts] = unpack(good.subarray(head)) as [unknown, unknown[]];
    const bad = new Uint8Array([...good.subarray(0, head), ...pack([table, [parts[0], parts[1], ['bad']]])]);
    expect(() => b.apply(bad)).toThrow(/document\[2\]/);
    expect(() => b.apply(good.subarray(0, good.length - 2))).toThrow(DecodeError);
    expect(b.value()).toEqual({ map: {}, counter: 0, set: [] });
    b.apply(good);
    expect(b.value()).toEqual({ map: { k: 1 }, counter: 3, set: ['x'] });
    expect(() => b.encodeSince(good)).toThrow(DecodeError);
  });

  it('sends a whole state with its key text as it is, a delta with it deflated', () => {
    const nlbd = adapters.find((a) => a.name === 'nlbd')!;
    /** The map part's key text in a document that is not compressed. */
    const keyText = (bytes: Uint8Array) => {
      const [, parts] = unpack(bytes.subarray(7 + bytes[6]!)) as [unknown, unknown[][]];
      return parts[0]![5];
    };
    const key = (i: number) => `item/${String(i * 7919).padStart(7, '0')}`;
    const a = nlbd.createReplica('a');
    for (let i = 0; i < 300; i++) a.mapSet(key(i), i);
    const state = a.encodeState();
    expect(typeof keyText(state)).toBe('string');
    const b = nlbd.createReplica('b');
    b.apply(state);
    for (let i = 300; i < 400; i++) a.mapSet(key(i), i);
    const delta = a.encodeSince(b.digest());
    expect(keyText(delta)).toBeInstanceOf(Uint8Array);
    b.apply(delta);
    expect(b.value()).toEqual(a.value());
  });
});

import {
  compareDots,
  type Dot,
  DotContext,
  type ReplicaId,
  type Timestamp,
  type VersionVector,
} from '@nlbd/core';
import fc from 'fast-check';

/** A small pool of replica ids, so generated states share replicas and their joins interact. */
export const REPLICA_POOL: readonly ReplicaId[] = ['a', 'b', 'c', 'd', 'e'];

/** One of {@link REPLICA_POOL}. */
export const pooledReplicaIdArb: fc.Arbitrary<ReplicaId> = fc.constantFrom(...REPLICA_POOL);

// Any code point but C0/DEL/C1 controls and lone surrogates; at most 4 UTF-8 bytes each.
const idUnitArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0xa0, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0x10ffff }),
  )
  .map((codePoint) => String.fromCodePoint(codePoint));

/**
 * Any valid replica id, built without the validator under test: 1 to 16 code points that are
 * not control characters, so at most 64 UTF-8 bytes.
 */
export const anyReplicaIdArb: fc.Arbitrary<ReplicaId> = fc.string({
  unit: idUnitArb,
  minLength: 1,
  maxLength: 16,
});

/** Mostly pooled ids (so states overlap), sometimes arbitrary valid ones (multibyte included). */
export const replicaIdArb: fc.Arbitrary<ReplicaId> = fc.oneof(
  { arbitrary: pooledReplicaIdArb, weight: 4 },
  { arbitrary: anyReplicaIdArb, weight: 1 },
);

/** Shapes of the generated causal data; small counters make contiguity and overlap likely. */
export interface CausalShape {
  readonly replica?: fc.Arbitrary<ReplicaId>;
  /** Largest counter generated (default 8). */
  readonly maxCounter?: number;
  /** Most entries (vector entries or dots) generated (default 12). */
  readonly maxLength?: number;
}

/** A dot with a counter in 1..`maxCounter`. */
export function dotArb(shape: CausalShape = {}): fc.Arbitrary<Dot> {
  const { replica = replicaIdArb, maxCounter = 8 } = shape;
  return fc.record({ replica, counter: fc.integer({ min: 1, max: maxCounter }) });
}

/** A list of dots, duplicates and any order allowed: the raw material of a context. */
export function dotsArb(shape: CausalShape = {}): fc.Arbitrary<Dot[]> {
  return fc.array(dotArb(shape), { maxLength: shape.maxLength ?? 12 });
}

/** A version vector (no zero entries, as the type requires). */
export function versionVectorArb(shape: CausalShape = {}): fc.Arbitrary<VersionVector> {
  const { replica = replicaIdArb, maxCounter = 8, maxLength = 6 } = shape;
  return fc
    .uniqueArray(fc.tuple(replica, fc.integer({ min: 1, max: maxCounter })), {
      selector: ([r]) => r,
      maxLength,
    })
    .map((entries) => new Map(entries));
}

/** A dot context with the dots it holds listed independently, so tests have a model to check against. */
export interface ContextWithDots {
  readonly ctx: DotContext;
  /** Every dot in `ctx`, each once, sorted by replica then counter. */
  readonly dots: readonly Dot[];
}

/** Every dot of `vv` and `extra`, each once, sorted: a model of the context they make. */
function modelDots(vv: VersionVector, extra: readonly Dot[]): Dot[] {
  const keys = new Map<string, Dot>();
  for (const [replica, count] of vv) {
    for (let counter = 1; counter <= count; counter++)
      keys.set(dotKey({ replica, counter }), { replica, counter });
  }
  for (const dot of extra) keys.set(dotKey(dot), dot);
  return [...keys.values()].sort(compareDots);
}

/** A dot context built from a vector prefix plus out-of-order dots, with its model. */
export function contextWithDotsArb(shape: CausalShape = {}): fc.Arbitrary<ContextWithDots> {
  return fc
    .tuple(versionVectorArb({ ...shape, maxLength: Math.min(shape.maxLength ?? 4, 4) }), dotsArb(shape))
    .map(([vv, extra]) => ({ ctx: DotContext.from(vv, extra), dots: modelDots(vv, extra) }));
}

/** A dot context (compact, as every context made by `DotContext` is). */
export function dotContextArb(shape: CausalShape = {}): fc.Arbitrary<DotContext> {
  return contextWithDotsArb(shape).map(({ ctx }) => ctx);
}

/** A string naming a dot, for sets and maps of dots in test models. */
export function dotKey(dot: Dot): string {
  return `${dot.counter}@${dot.replica}`;
}

/** A well-formed timestamp with `wall` in `minWall..maxWall`. */
export function timestampArb(minWall = 0, maxWall = 2_000_000_000_000): fc.Arbitrary<Timestamp> {
  return fc.record({
    wall: fc.integer({ min: minWall, max: maxWall }),
    counter: fc.nat({ max: 1_000 }),
    replica: replicaIdArb,
  });
}

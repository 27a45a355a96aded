import {
  assertTimestamp,
  compareTimestamps,
  HybridLogicalClock,
  OverflowError,
  type Timestamp,
  ValidationError,
} from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replicaIdArb, timestampArb } from '../../../test/support/arbitraries.ts';
import { checkProperty } from '../../../test/support/property.ts';

/** A clock for `replica` reading a physical time the test sets. */
function manualClock(replica = 'me', start = 1_000, maxForwardSkewMs = 60_000) {
  const time = { ms: start };
  const clock = new HybridLogicalClock(replica, { now: () => time.ms, maxForwardSkewMs });
  return { clock, time };
}

const ts = (wall: number, counter: number, replica: string): Timestamp => ({ wall, counter, replica });

describe('HybridLogicalClock', () => {
  it('starts at wall 0, counter 0', () => {
    expect(manualClock('me').clock.last).toEqual(ts(0, 0, 'me'));
  });

  it('validates its replica id and skew limit', () => {
    expect(() => new HybridLogicalClock('')).toThrow(
      'HybridLogicalClock.replica: replica id must not be empty',
    );
    for (const maxForwardSkewMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new HybridLogicalClock('me', { maxForwardSkewMs })).toThrow(ValidationError);
    }
    expect(() => new HybridLogicalClock('me', { maxForwardSkewMs: 0 })).not.toThrow();
  });

  it('uses Date.now by default', () => {
    const before = Date.now();
    const t = new HybridLogicalClock('me').now();
    expect(t.wall).toBeGreaterThanOrEqual(before);
    expect(t.wall).toBeLessThanOrEqual(Date.now());
  });

  it('follows the physical clock and counts events within one millisecond', () => {
    const { clock, time } = manualClock('me', 1_000);
    expect(clock.now()).toEqual(ts(1_000, 0, 'me'));
    expect(clock.now()).toEqual(ts(1_000, 1, 'me'));
    time.ms = 1_005;
    expect(clock.now()).toEqual(ts(1_005, 0, 'me'));
    expect(clock.last).toEqual(ts(1_005, 0, 'me'));
  });

  it('stays strictly monotonic when the wall clock jumps back', () => {
    const { clock, time } = manualClock('me', 5_000);
    const t1 = clock.now();
    time.ms = 1_000;
    const t2 = clock.now();
    const t3 = clock.now();
    expect(t2).toEqual(ts(5_000, 1, 'me'));
    expect(compareTimestamps(t1, t2)).toBeLessThan(0);
    expect(compareTimestamps(t2, t3)).toBeLessThan(0);
    time.ms = 5_001;
    expect(clock.now()).toEqual(ts(5_001, 0, 'me'));
  });

  it('floors fractional physical readings and clamps negative ones to 0', () => {
    const { clock, time } = manualClock('me', 10.9);
    expect(clock.now().wall).toBe(10);
    time.ms = -50;
    expect(clock.now()).toEqual(ts(10, 1, 'me'));
  });

  it('refuses a physical clock that returns NaN or Infinity, changing nothing', () => {
    const { clock, time } = manualClock('me', 100);
    clock.now();
    time.ms = Number.NaN;
    expect(() => clock.now()).toThrow('HybridLogicalClock.now: physical clock returned NaN');
    time.ms = Number.POSITIVE_INFINITY;
    expect(() => clock.now()).toThrow(ValidationError);
    expect(clock.last).toEqual(ts(100, 0, 'me'));
  });

  describe('receive', () => {
    it('from a replica ahead (within skew): adopts its wall and counter + 1', () => {
      const { clock } = manualClock('me', 1_000);
      clock.now();
      expect(clock.receive(ts(1_500, 7, 'you'))).toEqual(ts(1_500, 8, 'me'));
      expect(clock.now()).toEqual(ts(1_500, 9, 'me'));
    });

    it('from a replica behind: keeps its own time', () => {
      const { clock } = manualClock('me', 1_000);
      clock.now();
      clock.now();
      expect(clock.receive(ts(900, 50, 'you'))).toEqual(ts(1_000, 2, 'me'));
    });

    it('when the physical clock is ahead of both: takes physical time, counter 0', () => {
      const { clock, time } = manualClock('me', 1_000);
      clock.now();
      time.ms = 2_000;
      expect(clock.receive(ts(1_500, 3, 'you'))).toEqual(ts(2_000, 0, 'me'));
    });

    it('at an equal wall time: takes the larger counter + 1', () => {
      const { clock } = manualClock('me', 1_000);
      clock.now();
      clock.now(); // counter 1
      expect(clock.receive(ts(1_000, 0, 'you'))).toEqual(ts(1_000, 2, 'me'));
      expect(clock.receive(ts(1_000, 9, 'you'))).toEqual(ts(1_000, 10, 'me'));
    });

    it('accepts a remote exactly at the skew limit and refuses one a millisecond further', () => {
      const { clock } = manualClock('me', 1_000, 100);
      expect(() => clock.receive(ts(1_101, 0, 'you'))).toThrow(
        'remote.wall: remote wall time 1101 is 101 ms ahead of the local clock (limit 100 ms)',
      );
      expect(clock.last).toEqual(ts(0, 0, 'me'));
      expect(clock.receive(ts(1_100, 0, 'you'))).toEqual(ts(1_100, 1, 'me'));
    });

    it('refuses malformed remote timestamps with a ValidationError and changes nothing', () => {
      const { clock } = manualClock('me', 1_000);
      clock.now();
      const last = clock.last;
      const bad: [unknown, string][] = [
        [ts(Number.NaN, 0, 'you'), 'remote.wall'],
        [ts(Number.POSITIVE_INFINITY, 0, 'you'), 'remote.wall'],
        [ts(Number.NEGATIVE_INFINITY, 0, 'you'), 'remote.wall'],
        [ts(-1, 0, 'you'), 'remote.wall'],
        [ts(1.5, 0, 'you'), 'remote.wall'],
        [ts(2 ** 53, 0, 'you'), 'remote.wall'],
        [ts(1_000, -1, 'you'), 'remote.counter'],
        [ts(1_000, 0.5, 'you'), 'remote.counter'],
        [ts(1_000, Number.NaN, 'you'), 'remote.counter'],
        [ts(1_000, 0, ''), 'remote.replica'],
        [{ wall: '1000', counter: 0, replica: 'you' }, 'remote.wall'],
        [null, 'remote'],
        ['1000:0:you', 'remote'],
      ];
      for (const [remote, path] of bad) {
        let caught: unknown;
        try {
          clock.receive(remote as Timestamp);
        } catch (error) {
          caught = error;
        }
        expect(caught, JSON.stringify(remote)).toBeInstanceOf(ValidationError);
        expect((caught as ValidationError).path).toBe(path);
        expect(clock.last).toEqual(last);
      }
      expect(clock.now()).toEqual(ts(1_000, 1, 'me'));
    });

    it('throws OverflowError on a remote counter at MAX_SAFE_INTEGER and changes nothing', () => {
      const { clock } = manualClock('me', 1_000);
      clock.now();
      expect(() => clock.receive(ts(1_000, Number.MAX_SAFE_INTEGER, 'you'))).toThrow(OverflowError);
      expect(clock.last).toEqual(ts(1_000, 0, 'me'));
    });
  });

  describe('check', () => {
    it('accepts what receive would accept, without changing the clock', () => {
      const { clock } = manualClock('me', 1_000, 100);
      expect(() => clock.check(ts(1_100, 5, 'you'))).not.toThrow();
      expect(clock.last).toEqual(ts(0, 0, 'me'));
    });

    it('refuses what receive would refuse, naming the path given', () => {
      const { clock } = manualClock('me', 1_000, 100);
      expect(() => clock.check(ts(1_101, 0, 'you'), 'op.clock')).toThrow(
        'op.clock.wall: wall time 1101 is 101 ms ahead of the local clock (limit 100 ms)',
      );
      expect(() => clock.check(ts(Number.NaN, 0, 'you'), 'op.clock')).toThrow(/^op\.clock\.wall: /);
      expect(() => clock.check(ts(1, 0, 'you'))).not.toThrow();
      expect(clock.last).toEqual(ts(0, 0, 'me'));
    });
  });
});

describe('assertTimestamp', () => {
  it('accepts well-formed timestamps and refuses others with the path', () => {
    expect(() => assertTimestamp(ts(0, 0, 'a'))).not.toThrow();
    expect(() => assertTimestamp(ts(-1, 0, 'a'), 'op.ts')).toThrow(
      'op.ts.wall: wall time must be a safe integer ≥ 0 (ms), got -1',
    );
    expect(() => assertTimestamp(ts(0, -1, 'a'))).toThrow(
      'timestamp.counter: counter must be a safe integer ≥ 0, got -1',
    );
    expect(() => assertTimestamp(undefined)).toThrow('timestamp: timestamp must be an object');
  });
});

describe('compareTimestamps', () => {
  it('orders by wall, then counter, then replica', () => {
    expect(compareTimestamps(ts(1, 9, 'z'), ts(2, 0, 'a'))).toBeLessThan(0);
    expect(compareTimestamps(ts(2, 1, 'a'), ts(2, 0, 'z'))).toBeGreaterThan(0);
    expect(compareTimestamps(ts(2, 1, 'a'), ts(2, 1, 'b'))).toBeLessThan(0);
    expect(compareTimestamps(ts(2, 1, 'b'), ts(2, 1, 'a'))).toBeGreaterThan(0);
    expect(compareTimestamps(ts(2, 1, 'a'), ts(2, 1, 'a'))).toBe(0);
  });

  it('is a total order: antisymmetric, transitive, zero only for equal timestamps', () => {
    const small = timestampArb(0, 3).map((t) => ({ ...t, counter: t.counter % 3 }));
    checkProperty(
      fc.property(small, small, small, (a, b, c) => {
        const sign = (x: Timestamp, y: Timestamp) => Math.sign(compareTimestamps(x, y));
        expect(sign(a, b) + sign(b, a)).toBe(0);
        expect(sign(a, b) === 0).toBe(
          a.wall === b.wall && a.counter === b.counter && a.replica === b.replica,
        );
        if (sign(a, b) <= 0 && sign(b, c) <= 0) expect(sign(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('HybridLogicalClock laws', () => {
  const SKEW = 10_000;

  /** One step of a clock's life. Remote wall times are relative to the physical clock. */
  type Step =
    | { kind: 'local' }
    | { kind: 'jump'; by: number }
    | { kind: 'receive'; offset: number; counter: number; replica: string }
    | { kind: 'tooFarAhead'; by: number }
    | { kind: 'malformed'; remote: unknown };

  const goodStep: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>({ kind: 'local' }),
    fc.record({ kind: fc.constant('jump' as const), by: fc.integer({ min: -100_000, max: 100_000 }) }),
    fc.record({
      kind: fc.constant('receive' as const),
      // From far behind the physical clock to exactly the skew limit ahead of it.
      offset: fc.oneof(fc.integer({ min: -100_000, max: SKEW }), fc.constantFrom(0, SKEW, -1, 1)),
      counter: fc.oneof(fc.nat({ max: 5 }), fc.nat({ max: 1_000_000 })),
      replica: replicaIdArb,
    }),
  );

  const badStep: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('tooFarAhead' as const),
      by: fc.integer({ min: SKEW + 1, max: 10 * SKEW }),
    }),
    fc
      .oneof(
        fc
          .constantFrom(
            Number.NaN,
            Number.POSITIVE_INFINITY,
            Number.NEGATIVE_INFINITY,
            -1,
            -0.5,
            3.25,
            2 ** 53,
          )
          .map((wall): unknown => ts(wall, 0, 'you')),
        fc
          .constantFrom(-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY)
          .map((counter): unknown => ts(1, counter, 'you')),
        fc.constantFrom('', 'a\u0000b', 'x'.repeat(65)).map((replica): unknown => ts(1, 0, replica)),
        fc.constantFrom<unknown>(null, undefined, 7, 'ts', {}),
      )
      .map((remote): Step => ({ kind: 'malformed', remote })),
  );

  const startArb = fc.integer({ min: 0, max: 2_000_000_000_000 });

  /**
   * Runs `plan` on a fresh clock, checking after every step: a timestamp issued is above every
   * earlier one (and above the remote it answers); a refused remote throws `ValidationError`
   * and leaves `last` as it was.
   */
  function run(start: number, plan: readonly Step[]): void {
    const { clock, time } = manualClock('me', start, SKEW);
    for (const step of plan) {
      const before = clock.last;
      if (step.kind === 'jump') {
        time.ms = Math.max(0, time.ms + step.by);
      } else if (step.kind === 'local' || step.kind === 'receive') {
        const remote =
          step.kind === 'receive' ? ts(Math.max(0, time.ms + step.offset), step.counter, step.replica) : null;
        const t = remote ? clock.receive(remote) : clock.now();
        if (remote) expect(compareTimestamps(t, remote)).toBeGreaterThan(0);
        expect(compareTimestamps(t, before)).toBeGreaterThan(0);
        expect(t.replica).toBe('me');
        expect(t.wall).toBeGreaterThanOrEqual(time.ms);
        expect(clock.last).toEqual(t);
      } else {
        const remote = (
          step.kind === 'tooFarAhead' ? ts(time.ms + step.by, 0, 'you') : step.remote
        ) as Timestamp;
        expect(() => clock.check(remote)).toThrow(ValidationError);
        expect(() => clock.receive(remote)).toThrow(ValidationError);
        expect(clock.last).toEqual(before);
      }
    }
  }

  it('timestamps strictly increase across local events, receives and wall-clock jumps', () => {
    checkProperty(fc.property(startArb, fc.array(goodStep, { maxLength: 60 }), run));
  });

  it('bad remote timestamps, anywhere in a run, are refused and leave the clock unchanged', () => {
    const mixed = fc.array(fc.oneof({ arbitrary: goodStep, weight: 3 }, { arbitrary: badStep, weight: 1 }), {
      maxLength: 60,
    });
    checkProperty(fc.property(startArb, mixed, badStep, (start, plan, bad) => run(start, [...plan, bad])));
  });
});

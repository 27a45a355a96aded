import { relative } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * The number of runs a property gets: `ciRuns` (at least 500) when `CI` is set, `localRuns` (200
 * by default, never more than `ciRuns`) otherwise. `FC_RUNS` overrides both, e.g. to soak a law.
 */
export function propertyRuns(ciRuns = 500, localRuns = 200): number {
  const forced = Number(process.env.FC_RUNS);
  if (Number.isSafeInteger(forced) && forced > 0) return forced;
  return process.env.CI ? Math.max(ciRuns, 500) : Math.min(ciRuns, localRuns);
}

/** Options of {@link checkProperty}: fast-check's own, minus the ones this wrapper owns. */
export type CheckOptions<Ts> = Omit<fc.Parameters<Ts>, 'numRuns' | 'seed' | 'path'> & {
  /** Runs when `CI` is set (at least 500). */
  readonly ciRuns?: number;
  /** Runs otherwise. */
  readonly localRuns?: number;
};

/**
 * Replay settings from the environment: `FC_SEED` (an integer) and `FC_PATH` (the shrink path
 * fast-check printed). A path belongs to one property, so replay one test at a time, as the
 * failure message of {@link checkProperty} spells out:
 * `FC_SEED=-1234 FC_PATH=0:1 pnpm vitest run <file> -t '<test name>'`.
 */
export function replayParameters(): { seed?: number; path?: string } {
  const out: { seed?: number; path?: string } = {};
  const seed = process.env.FC_SEED;
  if (seed !== undefined && seed !== '') {
    const parsed = Number(seed);
    if (!Number.isInteger(parsed)) throw new Error(`FC_SEED must be an integer, got '${seed}'`);
    out.seed = parsed;
  }
  if (process.env.FC_PATH) out.path = process.env.FC_PATH;
  return out;
}

/**
 * `fc.assert` with the run count of {@link propertyRuns} and the replay settings of
 * {@link replayParameters}. A failure throws fast-check's full report (counterexample, error,
 * seed and path), headed by the command that replays it. Use one property per test, so that a
 * replayed path applies to the property it came from.
 */
export function checkProperty<Ts>(property: fc.IProperty<Ts>, options: CheckOptions<Ts> = {}): void {
  const { ciRuns, localRuns, ...rest } = options;
  const details = fc.check(property, {
    ...rest,
    ...replayParameters(),
    numRuns: propertyRuns(ciRuns, localRuns),
  });
  if (!details.failed) return;
  const { currentTestName, testPath } = expect.getState();
  const file = testPath ? ` ${relative(process.cwd(), testPath)}` : '';
  const only = currentTestName ? ` -t ${JSON.stringify(currentTestName.split(' > ').at(-1))}` : '';
  const replay = `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} pnpm vitest run${file}${only}`;
  throw new Error(`property failed; replay with ${replay}\n${fc.defaultReportMessage(details) ?? ''}`, {
    cause: details.errorInstance,
  });
}

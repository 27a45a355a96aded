import { performance } from 'node:perf_hooks';
import { type Stats, summarize } from './stats.js';

/** How many times to run a timed body: untimed warm-ups first, then the samples. */
export interface Repetitions {
  readonly warmup: number;
  readonly samples: number;
}

/** Collects garbage when node runs with `--expose-gc`, so one sample's garbage is not the next one's pause. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times `run` on a fresh `setup()` each repetition, in ms; setup and garbage collection stay
 * outside the timed region. Returns the stats and each sample's result (warm-ups excluded).
 */
export function timeSamples<C, R>(
  { warmup, samples }: Repetitions,
  setup: () => C,
  run: (context: C) => R,
): { time: Stats; results: R[] } {
  const times: number[] = [];
  const results: R[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const context = setup();
    collectGarbage();
    const start = performance.now();
    const result = run(context);
    const elapsed = performance.now() - start;
    if (i >= warmup) {
      times.push(elapsed);
      results.push(result);
    }
  }
  return { time: summarize(times), results };
}

import type { Metric } from './result.js';

/** A ratio the issue sets for nlbd, read from one run's medians. */
export interface Target {
  readonly description: string;
  /** The ratio and whether it meets the target, or why it cannot be computed. */
  evaluate(metrics: readonly Metric[]): { ratio: number; met: boolean } | { missing: string };
}

/** What {@link evaluateTargets} prints per target. */
export interface TargetResult {
  readonly description: string;
  readonly ratio: number | null;
  /** `met`, `MISS`, or `n/a: <why>`. */
  readonly verdict: string;
}

const NLBD = 'nlbd';

function median(
  metrics: readonly Metric[],
  scenario: string,
  adapter: string,
  metric: string,
): number | undefined {
  return metrics.find((m) => m.scenario === scenario && m.adapter === adapter && m.metric === metric)?.stats
    .median;
}

/**
 * `numerator / denominator` of two medians must be `>= bound` (`atLeast`) or `<= bound`.
 * For times, "nlbd at least 3x Yjs" is `yjs time / nlbd time >= 3`.
 */
function ratioTarget(
  description: string,
  scenario: string,
  metric: string,
  numerator: string,
  denominator: string,
  bound: number,
  atLeast: boolean,
): Target {
  return {
    description,
    evaluate(metrics) {
      const present = new Set(metrics.map((m) => m.adapter));
      if (!present.has(NLBD)) return { missing: 'nlbd adapter missing' };
      const n = median(metrics, scenario, numerator, metric);
      const d = median(metrics, scenario, denominator, metric);
      if (n === undefined || d === undefined) {
        return {
          missing: `${scenario} "${metric}" not measured for ${n === undefined ? numerator : denominator}`,
        };
      }
      const ratio = n / d;
      return { ratio, met: atLeast ? ratio >= bound : ratio <= bound };
    },
  };
}

/** Incremental bytes: nlbd's update at most the smallest peer's. */
const incrementalBytes: Target = {
  description: 'incremental sync bytes (largest base): nlbd / best peer <= 1',
  evaluate(metrics) {
    const updates = metrics.filter(
      (m) => m.scenario === 'incremental-sync' && m.metric.startsWith('update bytes'),
    );
    const largest = updates
      .map((m) => m.metric)
      .sort((a, b) => Number(b.split('@')[1]) - Number(a.split('@')[1]))[0];
    const at = updates.filter((m) => m.metric === largest);
    const nlbd = at.find((m) => m.adapter === NLBD)?.stats.median;
    if (nlbd === undefined) return { missing: 'nlbd adapter missing' };
    const peers = at.filter(
      (m) => m.adapter !== NLBD && m.adapter !== 'plain' && !m.adapter.startsWith('nlbd'),
    );
    if (peers.length === 0) return { missing: 'no peer measured' };
    const ratio = nlbd / Math.min(...peers.map((m) => m.stats.median));
    return { ratio, met: ratio <= 1 };
  },
};

/** Incremental bytes do not grow with the map: largest base over smallest. */
const incrementalFlat: Target = {
  description: 'incremental sync bytes, largest base / smallest base (same bytes) <= 1.05',
  evaluate(metrics) {
    const own = metrics.filter(
      (m) => m.scenario === 'incremental-sync' && m.adapter === NLBD && m.metric.startsWith('update bytes'),
    );
    if (own.length === 0) return { missing: 'nlbd adapter missing' };
    const byBase = own.sort((a, b) => Number(a.metric.split('@')[1]) - Number(b.metric.split('@')[1]));
    const ratio = byBase.at(-1)!.stats.median / byBase[0]!.stats.median;
    return { ratio, met: ratio <= 1.05 };
  },
};

/** The issue's targets, in its order. */
export const targets: readonly Target[] = [
  ratioTarget(
    'full-state apply: nlbd speed / Yjs >= 3',
    'full-sync',
    'apply into empty',
    'yjs',
    NLBD,
    3,
    true,
  ),
  ratioTarget(
    'full-state apply: nlbd speed / plain JS >= 0.7',
    'full-sync',
    'apply into empty',
    'plain',
    NLBD,
    0.7,
    true,
  ),
  ratioTarget(
    'concurrent merge: nlbd speed / Yjs >= 4',
    'concurrent-merge',
    'merge both ways',
    'yjs',
    NLBD,
    4,
    true,
  ),
  ratioTarget(
    'in-memory join: nlbd speed / plain JS Map loop >= 0.5',
    'concurrent-merge',
    'in-memory join',
    'plain',
    NLBD,
    0.5,
    true,
  ),
  ratioTarget(
    'full-state bytes: nlbd / Yjs v2 < 1',
    'full-sync',
    'state bytes',
    NLBD,
    'yjs-v2',
    0.999_999,
    false,
  ),
  ratioTarget(
    'full-state bytes, compressed: nlbd / Automerge <= 1',
    'full-sync',
    'state bytes',
    'nlbd-compressed',
    'automerge',
    1,
    false,
  ),
  incrementalBytes,
  ratioTarget(
    'incremental sync time (100k base): nlbd / plain JS <= 2',
    'incremental-sync',
    'digest + update + apply @100000',
    NLBD,
    'plain',
    2,
    false,
  ),
  incrementalFlat,
  ratioTarget(
    'counters: nlbd speed / Yjs emulation >= 10',
    'counters',
    'merge all into one',
    'yjs',
    NLBD,
    10,
    true,
  ),
  ratioTarget(
    'memory: nlbd heap per entry / plain JS <= 2',
    'memory',
    'heap per entry',
    NLBD,
    'plain',
    2,
    false,
  ),
];

/** Every target's ratio and verdict for one run. */
export function evaluateTargets(metrics: readonly Metric[]): TargetResult[] {
  return targets.map((t) => {
    const r = t.evaluate(metrics);
    if ('missing' in r) return { description: t.description, ratio: null, verdict: `n/a: ${r.missing}` };
    return { description: t.description, ratio: r.ratio, verdict: r.met ? 'met' : 'MISS' };
  });
}

/** The ratio report printed after the table. */
export function renderTargets(results: readonly TargetResult[]): string {
  const width = Math.max(...results.map((r) => r.description.length));
  const lines = results.map(
    (r) =>
      `${r.description.padEnd(width)}  ${r.ratio === null ? '' : `${r.ratio.toFixed(2)}x  `}${r.verdict}`,
  );
  return ['targets (ratios of medians from this run):', ...lines].join('\n');
}

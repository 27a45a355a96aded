import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@nlbd/core';
import {
  type Protocols,
  type RoundTrace,
  type ScenarioOptions,
  type SimulationSummary,
  simulate,
  syncCodec,
  WORKLOAD_TYPES,
} from '@nlbd/sync';
import { lineChart, renderSvg } from './charts.js';

/** The protocols `nlbd simulate` can run side by side, by name. */
export const PROTOCOLS: Readonly<Record<string, Partial<Protocols>>> = {
  'full-state': { fullState: true, delta: false, digest: false },
  delta: { delta: true, digest: false, fullState: false },
  digest: { delta: false, digest: true, fullState: false },
  'delta+digest': { delta: true, digest: true, fullState: false },
};

/** A scenario parameter an experiment can sweep over (`--vary nodes=16,64,256`). */
export type SweepParam = 'nodes' | 'fanout' | 'loss' | 'degree';

/** The parameters {@link applyPoint} knows how to vary. */
export const SWEEP_PARAMS: readonly SweepParam[] = ['nodes', 'fanout', 'loss', 'degree'];

/** One swept parameter and its values, in the order they are run. */
export interface SweepAxis {
  readonly param: SweepParam;
  readonly values: readonly number[];
}

/** One protocol's run within an experiment, at one point of the sweep (`{}` without a sweep). */
export interface ProtocolRun {
  readonly protocol: string;
  readonly point: Readonly<Partial<Record<SweepParam, number>>>;
  readonly trace: RoundTrace[];
  readonly summary: SimulationSummary;
}

type Scenario = Omit<ScenarioOptions, 'protocols'>;

/** `scenario` with the parameters of `point` set (degree applies to a `regular` topology only). */
export function applyPoint(scenario: Scenario, point: ProtocolRun['point']): Scenario {
  let out = scenario;
  for (const [param, value] of Object.entries(point) as [SweepParam, number][]) {
    if (param === 'nodes' || param === 'fanout') out = { ...out, [param]: value };
    else if (param === 'loss') out = { ...out, link: { ...out.link, loss: value } };
    else if (out.topology.kind !== 'regular')
      throw new ValidationError('varying degree needs a regular:K topology', 'vary');
    else out = { ...out, topology: { kind: 'regular', degree: value } };
  }
  return out;
}

/** Every combination of the axes' values, first axis slowest; one empty point without axes. */
export function sweepPoints(axes: readonly SweepAxis[]): ProtocolRun['point'][] {
  let points: ProtocolRun['point'][] = [{}];
  for (const axis of axes) {
    points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.param]: v })));
  }
  return points;
}

/**
 * Runs `scenario` once per protocol and per point of the sweep, every run on the same seed and
 * workload, so the results compare like with like. `onRound` sees every round of every run.
 * @example
 * const runs = runExperiment(scenario, ['delta', 'full-state'], [{ param: 'fanout', values: [1, 2, 3] }]);
 */
export function runExperiment(
  scenario: Scenario,
  protocols: readonly string[],
  axes: readonly SweepAxis[] = [],
  onRound?: (label: string, round: number) => void,
): ProtocolRun[] {
  const chosen = protocols.map((protocol) => {
    const p = PROTOCOLS[protocol];
    if (p === undefined) {
      throw new ValidationError(
        `unknown protocol '${protocol}' (known: ${Object.keys(PROTOCOLS).join(', ')})`,
        'protocols',
      );
    }
    return [protocol, p] as const;
  });
  return sweepPoints(axes).flatMap((point) => {
    const atPoint = applyPoint(scenario, point);
    return chosen.map(([protocol, p]) => {
      const label = [protocol, ...Object.entries(point).map(([k, v]) => `${k}=${v}`)].join(' ');
      const { trace, summary } = simulate({ ...atPoint, protocols: p }, syncCodec, (line) =>
        onRound?.(label, line.round),
      );
      return { protocol, point, trace, summary };
    });
  });
}

const SUMMARY_COLUMNS = [
  'converged',
  'roundsToConverge',
  'roundsToQuiesce',
  'timeToConvergeMs',
  'rounds',
  'messages',
  'bytes',
  'payloadBytes',
  'metadataBytes',
  'malformed',
  'maxBufferedDeltas',
  'meanStateBytes',
  'maxStateBytes',
  'mergeCpuMs',
] as const;

/** The swept parameters of `runs`, in sweep order. */
function sweptParams(runs: readonly ProtocolRun[]): SweepParam[] {
  return Object.keys(runs[0]?.point ?? {}) as SweepParam[];
}

/** The summary table as CSV, one row per protocol and sweep point (swept parameters as columns). */
export function summaryCsv(runs: readonly ProtocolRun[]): string {
  const params = sweptParams(runs);
  const rows = runs.map((r) =>
    [
      r.protocol,
      ...params.map((p) => String(r.point[p])),
      ...SUMMARY_COLUMNS.map((c) => {
        const v = r.summary[c];
        return c === 'mergeCpuMs' ? (v as number).toFixed(1) : String(v);
      }),
    ].join(','),
  );
  return `${['protocol', ...params, ...SUMMARY_COLUMNS].join(',')}\n${rows.join('\n')}\n`;
}

/** Every round of every run, one JSON object per line, tagged with its protocol and sweep point. */
export function traceJsonl(runs: readonly ProtocolRun[]): string {
  return (
    runs
      .flatMap((r) => r.trace.map((line) => JSON.stringify({ protocol: r.protocol, ...r.point, ...line })))
      .join('\n') + '\n'
  );
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const url = import.meta.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(new URL(url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The series a run belongs to in a chart: its protocol, and the swept values other than `x`. */
function seriesOf(r: ProtocolRun, x?: SweepParam): string {
  const rest = Object.entries(r.point).filter(([k]) => k !== x);
  return [r.protocol, ...rest.map(([k, v]) => `${k}=${v}`)].join(' ');
}

/** Without a sweep: fraction converged and cumulative bytes over virtual time, per protocol. */
async function timeCharts(runs: readonly ProtocolRun[]): Promise<[string, string][]> {
  const converged = runs.flatMap((r) =>
    r.trace.map((l) => ({ series: seriesOf(r), time: l.time, converged: l.converged })),
  );
  const bytes = runs.flatMap((r) => {
    let total = 0;
    return r.trace.map((l) => ({ series: seriesOf(r), time: l.time, bytes: (total += l.bytes) }));
  });
  const time = { field: 'time', title: 'virtual time (ms)' };
  return [
    [
      'converged.svg',
      await renderSvg(
        lineChart('Fraction of nodes converged', converged, time, { field: 'converged', title: 'converged' }),
      ),
    ],
    [
      'bytes.svg',
      await renderSvg(lineChart('Cumulative bytes sent', bytes, time, { field: 'bytes', title: 'bytes' })),
    ],
  ];
}

/** With a sweep: rounds to converge and total bytes against the first swept parameter. */
async function sweepCharts(runs: readonly ProtocolRun[], x: SweepParam): Promise<[string, string][]> {
  const rows = runs.map((r) => ({
    series: seriesOf(r, x),
    [x]: r.point[x],
    rounds: r.summary.roundsToConverge,
    bytes: r.summary.bytes,
  }));
  // Gossip cost grows with log N: nodes read best on a log axis.
  const axis = { field: x, title: x, log: x === 'nodes' };
  return [
    [
      `rounds-vs-${x}.svg`,
      await renderSvg(
        lineChart(
          `Rounds to converge after the last disturbance, by ${x}`,
          rows.filter((r) => r.rounds !== null),
          axis,
          { field: 'rounds', title: 'rounds' },
          'linear',
        ),
      ),
    ],
    [
      `bytes-vs-${x}.svg`,
      await renderSvg(
        lineChart(`Bytes sent, by ${x}`, rows, axis, { field: 'bytes', title: 'bytes' }, 'linear'),
      ),
    ],
  ];
}

/**
 * Writes `summary.csv`, `trace.jsonl`, `meta.json` and SVG charts into `dir`: without a sweep,
 * the fraction of nodes converged and the cumulative bytes over virtual time, one line per
 * protocol; with one, rounds to converge and bytes against the first swept parameter. Returns
 * the paths written.
 */
export async function writeExperiment(
  dir: string,
  scenario: Scenario,
  runs: readonly ProtocolRun[],
  axes: readonly SweepAxis[] = [],
): Promise<string[]> {
  const meta = {
    seed: scenario.seed,
    scenario,
    protocols: [...new Set(runs.map((r) => r.protocol))],
    sweep: axes,
    gitCommit: gitCommit(),
    node: process.version,
    packages: Object.fromEntries(
      ['@nlbd/cli', '@nlbd/sync', '@nlbd/crdts', '@nlbd/codec'].map((p) => [p, packageVersion(p)]),
    ),
  };
  const x = axes[0]?.param;
  const files: [string, string][] = [
    ['summary.csv', summaryCsv(runs)],
    ['trace.jsonl', traceJsonl(runs)],
    ['meta.json', `${JSON.stringify(meta, null, 2)}\n`],
    ...(x === undefined ? await timeCharts(runs) : await sweepCharts(runs, x)),
  ];
  mkdirSync(dir, { recursive: true });
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

/** The workload types `nlbd simulate --type` accepts. */
export const SIMULATE_TYPES: readonly string[] = WORKLOAD_TYPES;

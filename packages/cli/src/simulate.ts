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

/** One protocol's run within an experiment. */
export interface ProtocolRun {
  readonly protocol: string;
  readonly trace: RoundTrace[];
  readonly summary: SimulationSummary;
}

/**
 * Runs `scenario` once per protocol, on the same seed and workload, so the results compare
 * like with like. `onRound` sees every round of every run (for progress).
 */
export function runExperiment(
  scenario: Omit<ScenarioOptions, 'protocols'>,
  protocols: readonly string[],
  onRound?: (protocol: string, round: number) => void,
): ProtocolRun[] {
  return protocols.map((protocol) => {
    const chosen = PROTOCOLS[protocol];
    if (chosen === undefined) {
      throw new ValidationError(
        `unknown protocol '${protocol}' (known: ${Object.keys(PROTOCOLS).join(', ')})`,
        'protocols',
      );
    }
    const { trace, summary } = simulate({ ...scenario, protocols: chosen }, syncCodec, (line) =>
      onRound?.(protocol, line.round),
    );
    return { protocol, trace, summary };
  });
}

const SUMMARY_COLUMNS = [
  'converged',
  'roundsToConverge',
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

/** The summary table as CSV, one row per protocol. */
export function summaryCsv(runs: readonly ProtocolRun[]): string {
  const rows = runs.map((r) =>
    [
      r.protocol,
      ...SUMMARY_COLUMNS.map((c) => (c === 'mergeCpuMs' ? r.summary[c].toFixed(1) : String(r.summary[c]))),
    ].join(','),
  );
  return `${['protocol', ...SUMMARY_COLUMNS].join(',')}\n${rows.join('\n')}\n`;
}

/** Every round of every run, one JSON object per line, tagged with its protocol. */
export function traceJsonl(runs: readonly ProtocolRun[]): string {
  return (
    runs.flatMap((r) => r.trace.map((line) => JSON.stringify({ protocol: r.protocol, ...line }))).join('\n') +
    '\n'
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

/**
 * Writes `summary.csv`, `trace.jsonl`, `meta.json` and two SVG charts (fraction of nodes
 * converged over time, cumulative bytes over time, one line per protocol) into `dir`.
 * Returns the paths written.
 */
export async function writeExperiment(
  dir: string,
  scenario: Omit<ScenarioOptions, 'protocols'>,
  runs: readonly ProtocolRun[],
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['summary.csv', summaryCsv(runs)],
    ['trace.jsonl', traceJsonl(runs)],
    [
      'meta.json',
      `${JSON.stringify(
        {
          seed: scenario.seed,
          scenario,
          protocols: runs.map((r) => r.protocol),
          gitCommit: gitCommit(),
          node: process.version,
          packages: Object.fromEntries(
            ['@nlbd/sync', '@nlbd/crdts', '@nlbd/codec'].map((p) => [p, packageVersion(p)]),
          ),
        },
        null,
        2,
      )}\n`,
    ],
  ];
  const converged = runs.flatMap((r) =>
    r.trace.map((l) => ({ protocol: r.protocol, time: l.time, converged: l.converged })),
  );
  const bytes = runs.flatMap((r) => {
    let total = 0;
    return r.trace.map((l) => ({ protocol: r.protocol, time: l.time, bytes: (total += l.bytes) }));
  });
  const timeAxis = { field: 'time', title: 'virtual time (ms)' };
  files.push([
    'converged.svg',
    await renderSvg(
      lineChart(
        'Fraction of nodes converged',
        converged,
        timeAxis,
        { field: 'converged', title: 'converged' },
        'protocol',
      ),
    ),
  ]);
  files.push([
    'bytes.svg',
    await renderSvg(
      lineChart('Cumulative bytes sent', bytes, timeAxis, { field: 'bytes', title: 'bytes' }, 'protocol'),
    ),
  ]);
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

/** The workload types `nlbd simulate --type` accepts. */
export const SIMULATE_TYPES: readonly string[] = WORKLOAD_TYPES;

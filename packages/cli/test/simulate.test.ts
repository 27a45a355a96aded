import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createProgram,
  main,
  parseCrash,
  parseLatency,
  parsePartition,
  parseTopology,
  parseVary,
  progressBar,
  runExperiment,
  summaryCsv,
  sweepPoints,
  traceJsonl,
  writeExperiment,
} from '@nlbd/cli';
import { ValidationError } from '@nlbd/core';
import type { ScenarioOptions } from '@nlbd/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';

const scenario: Omit<ScenarioOptions, 'protocols'> = {
  seed: 3,
  nodes: 12,
  topology: { kind: 'regular', degree: 3 },
  link: {
    latency: { kind: 'uniform', min: 5, max: 50 },
    loss: 0.1,
    duplicate: 0.05,
    reorder: 0.1,
    reorderMs: 100,
  },
  workload: { type: 'orset', opsPerRound: 6, rounds: 6, keys: 50 },
  maxRounds: 300,
};

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlbd-cli-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

/** Runs `nlbd ...args` in-process; returns what it printed and the exit code it set. */
async function run(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const before = process.exitCode;
  process.exitCode = undefined;
  await main(['node', 'nlbd', ...args]);
  const code = process.exitCode as number | undefined;
  process.exitCode = before;
  vi.restoreAllMocks();
  return { out: out.join('\n'), err: err.join('\n'), code };
}

describe('flag parsers', () => {
  it('parse every documented form', () => {
    expect(parseTopology('ring')).toEqual({ kind: 'ring' });
    expect(parseTopology('regular:6')).toEqual({ kind: 'regular', degree: 6 });
    expect(parseLatency('fixed:20')).toEqual({ kind: 'fixed', ms: 20 });
    expect(parseLatency('uniform:5-80')).toEqual({ kind: 'uniform', min: 5, max: 80 });
    expect(parseLatency('normal:50,10')).toEqual({ kind: 'normal', mean: 50, stddev: 10 });
    expect(parseLatency('exp:30')).toEqual({ kind: 'exponential', mean: 30 });
    expect(parsePartition('3-9:0,1/2,3')).toEqual({
      at: 3,
      heal: 9,
      groups: [
        [0, 1],
        [2, 3],
      ],
    });
    expect(parseCrash('4@2')).toEqual({ node: 4, at: 2, keepState: false });
    expect(parseCrash('4@2-8:keep')).toEqual({ node: 4, at: 2, restart: 8, keepState: true });
    expect(parseVary('fanout=1,2,3')).toEqual({ param: 'fanout', values: [1, 2, 3] });
    expect(parseVary('loss=0,0.25')).toEqual({ param: 'loss', values: [0, 0.25] });
  });

  it('refuse malformed input with a ValidationError naming the flag', () => {
    for (const [parse, input, path] of [
      [parseTopology, 'star', 'topology'],
      [parseTopology, 'regular:x', 'topology'],
      [parseLatency, 'uniform:a-b', 'latency'],
      [parseLatency, 'gauss:3', 'latency'],
      [parsePartition, '3:0,1', 'partition'],
      [parseCrash, 'x@1', 'crash'],
      [parseVary, 'colour=1,2', 'vary'],
      [parseVary, 'nodes=1.5', 'vary'],
    ] as const) {
      const attempt = () => (parse as (s: string) => unknown)(input);
      expect(attempt).toThrow(ValidationError);
      try {
        attempt();
      } catch (error) {
        expect((error as ValidationError).path).toBe(path);
      }
    }
  });
});

describe('runExperiment', () => {
  it('runs every protocol on the same seed and workload; delta protocols send fewer bytes than full state', () => {
    const runs = runExperiment(scenario, ['full-state', 'delta', 'digest', 'delta+digest']);
    expect(runs.map((r) => r.protocol)).toEqual(['full-state', 'delta', 'digest', 'delta+digest']);
    for (const r of runs) expect(r.summary.converged).toBe(true);
    const bytes = Object.fromEntries(runs.map((r) => [r.protocol, r.summary.bytes]));
    expect(bytes.delta).toBeLessThan(bytes['full-state'] as number);
    // The same seed gives the same run.
    const again = runExperiment(scenario, ['delta']);
    expect(traceJsonl(again)).toBe(traceJsonl(runs.filter((r) => r.protocol === 'delta')));
  });

  it('sweeps every combination of the varied parameters', () => {
    const axes = [
      { param: 'fanout', values: [1, 3] },
      { param: 'nodes', values: [6, 10] },
    ] as const;
    expect(sweepPoints(axes)).toEqual([
      { fanout: 1, nodes: 6 },
      { fanout: 1, nodes: 10 },
      { fanout: 3, nodes: 6 },
      { fanout: 3, nodes: 10 },
    ]);
    const runs = runExperiment(scenario, ['digest'], axes);
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      expect(r.summary.converged).toBe(true);
      expect(r.trace[0]?.live).toBe(r.point.nodes);
    }
    const csv = summaryCsv(runs).trim().split('\n');
    expect(csv[0]?.startsWith('protocol,fanout,nodes,converged,')).toBe(true);
    expect(csv.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
      'digest,1,6',
      'digest,1,10',
      'digest,3,6',
      'digest,3,10',
    ]);
  });

  it('refuses an unknown protocol', () => {
    expect(() => runExperiment(scenario, ['telepathy'])).toThrow(/unknown protocol 'telepathy'/);
  });
});

describe('writeExperiment', () => {
  it('writes the summary CSV, the JSONL trace, meta.json and the charts', async () => {
    const dir = tempDir();
    const runs = runExperiment(scenario, ['full-state', 'delta']);
    const files = await writeExperiment(dir, scenario, runs);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'summary.csv',
      'trace.jsonl',
      'meta.json',
      'converged.svg',
      'bytes.svg',
    ]);
    const csv = readFileSync(join(dir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[1]?.startsWith('full-state,true,')).toBe(true);
    const lines = readFileSync(join(dir, 'trace.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(runs.reduce((n, r) => n + r.trace.length, 0));
    expect(lines[0]).toMatchObject({ protocol: 'full-state', round: 0 });
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(meta.seed).toBe(3);
    expect(meta.scenario).toEqual(scenario);
    expect(meta.node).toBe(process.version);
    expect(meta.gitCommit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(meta.packages['@nlbd/sync']).toMatch(/^\d+\.\d+\.\d+/);
    for (const chart of ['converged.svg', 'bytes.svg']) {
      const svg = readFileSync(join(dir, chart), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('full-state');
      expect(svg).toContain('delta');
      expect(svg).toContain('<path');
    }
  });

  it('charts a sweep against its first parameter', async () => {
    const dir = tempDir();
    const axes = [{ param: 'fanout', values: [1, 2] }] as const;
    const runs = runExperiment(scenario, ['digest', 'delta+digest'], axes);
    const files = await writeExperiment(dir, scenario, runs, axes);
    expect(files.map((f) => f.slice(dir.length + 1)).slice(3)).toEqual([
      'rounds-vs-fanout.svg',
      'bytes-vs-fanout.svg',
    ]);
    const svg = readFileSync(join(dir, 'rounds-vs-fanout.svg'), 'utf8');
    expect(svg).toContain('delta+digest');
    expect(svg).toContain('fanout');
  });
});

describe('nlbd simulate', () => {
  it('runs a scenario from flags, prints a line per protocol and writes its files', async () => {
    const dir = tempDir();
    const { out, code } = await run(
      'simulate',
      '--nodes=10',
      '--topology=ring',
      '--type=pncounter',
      '--rounds=4',
      '--ops=5',
      '--loss=0.1',
      '--partition=1-5:0,1,2/3,4',
      '--crash=6@2-6',
      '--malformed=0.2',
      '--protocols=full-state,delta+digest',
      `--out=${dir}`,
    );
    expect(code).toBeUndefined();
    expect(out).toMatch(/^full-state\s+converged/m);
    expect(out).toMatch(/^delta\+digest\s+converged/m);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    const csv = readFileSync(join(dir, 'summary.csv'), 'utf8').split('\n');
    const malformedColumn = csv[0]?.split(',').indexOf('malformed') ?? -1;
    expect(Number(csv[1]?.split(',')[malformedColumn])).toBeGreaterThan(0);
    expect(meta.scenario).toMatchObject({
      nodes: 10,
      topology: { kind: 'ring' },
      partitions: [
        {
          at: 1,
          heal: 5,
          groups: [
            [0, 1, 2],
            [3, 4],
          ],
        },
      ],
      crashes: [{ node: 6, at: 2, restart: 6, keepState: false }],
      workload: { type: 'pncounter', opsPerRound: 5, rounds: 4 },
    });
  });

  it('takes a scenario from a JSON file, with flags given on the command line on top', async () => {
    const dir = tempDir();
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify({ ...scenario, nodes: 7 }));
    const { code } = await run(
      'simulate',
      '--scenario',
      file,
      '--seed',
      '11',
      '--protocols=delta',
      '--out',
      dir,
    );
    expect(code).toBeUndefined();
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(meta.scenario).toMatchObject({
      seed: 11,
      nodes: 7,
      workload: scenario.workload,
      link: scenario.link,
    });
  });

  it('fails with one line and exit code 1 on bad input, writing nothing', async () => {
    const dir = join(tempDir(), 'out');
    const missing = await run('simulate', '--scenario', join(dir, 'nope.json'), '--out', dir);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^nlbd: scenario: cannot read the scenario file/);
    const unknown = await run('simulate', '--protocols=delta,telepathy', '--out', dir);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown protocol 'telepathy'/);
    expect(() => readFileSync(join(dir, 'summary.csv'))).toThrow();
  });

  it('documents its flags', () => {
    const help =
      createProgram()
        .commands.find((c) => c.name() === 'simulate')
        ?.helpInformation() ?? '';
    for (const flag of [
      '--scenario',
      '--seed',
      '--topology',
      '--latency',
      '--partition',
      '--crash',
      '--vary',
    ]) {
      expect(help).toContain(flag);
    }
  });
});

describe('progressBar', () => {
  it('draws on a terminal and stays silent when piped', () => {
    const written: string[] = [];
    const tty = progressBar({ isTTY: true, write: (s: string) => written.push(s) > 0 }, 2);
    tty.update('delta', 0);
    tty.update('delta', 5);
    tty.update('digest', 0);
    tty.done();
    expect(written.some((s) => s.includes('run 1/2 delta, round 5'))).toBe(true);
    expect(written.some((s) => s.includes('run 2/2 digest'))).toBe(true);
    const piped: string[] = [];
    const bar = progressBar({ isTTY: false, write: (s: string) => piped.push(s) > 0 }, 2);
    bar.update('delta', 1);
    bar.done();
    expect(piped).toEqual([]);
  });
});

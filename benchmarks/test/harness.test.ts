import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapters } from '@nlbd/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedCpus, canPin, threadId } from '../src/affinity.js';
import { tinySizes } from '../src/config.js';
import { environment } from '../src/environment.js';
import { AdapterWorker, WorkerLane } from '../src/lanes.js';
import { type Repetitions, type Timed, type Timing, timeInterleaved, typicalSpent } from '../src/measure.js';
import { chartSpec, renderSvg } from '../src/report/charts.js';
import { type RunRecord, readRecord, toCsv, writeRecord } from '../src/report/files.js';
import { formatStats } from '../src/report/format.js';
import { bar, CHARS_PER_DECADE, logBars, renderMarkdown } from '../src/report/markdown.js';
import { renderTable } from '../src/report/table.js';
import type { Metric } from '../src/result.js';
import { type Failure, failsTheRun, failureLabel, runBenchmarks } from '../src/run.js';
import { type Scenario, scenarioById, scenarios, selectScenarios } from '../src/scenarios/index.js';
import { timed } from '../src/scenarios/scenario.js';
import { quantile, summarize } from '../src/stats.js';
import { evaluateTargets, renderTargets, targets } from '../src/targets.js';

/** `run` on a fresh `setup()` each time, timed alone. */
async function timeOne<C, R>(
  repetitions: Repetitions,
  setup: () => C,
  run: (context: C) => R,
): Promise<Timed<R>> {
  return (await timeInterleaved(repetitions, [{ setup, run } as Timing]))[0] as Timed<R>;
}

describe('stats', () => {
  it('median, min and max of odd and even counts', () => {
    expect(summarize([5, 1, 3])).toMatchObject({ median: 3, min: 1, max: 5 });
    expect(summarize([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
    expect(() => summarize([])).toThrow(RangeError);
  });

  it('quantiles interpolate between ranks; the 0.5 one is the median', () => {
    const samples = [40, 10, 30, 20];
    expect(quantile(samples, 0.5)).toBe(summarize(samples).median);
    expect(quantile(samples, 0)).toBe(10);
    expect(quantile(samples, 1)).toBe(40);
    expect(quantile(samples, 0.99)).toBeCloseTo(39.7);
    expect(quantile([7], 0.99)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('timeInterleaved of one body runs warm-ups untimed and keeps one result per sample', async () => {
    let setups = 0;
    const { time, results } = await timeOne(
      { warmup: 2, samples: 7 },
      () => ++setups,
      (n) => n * 10,
    );
    expect(setups).toBe(9);
    expect(time.samples).toHaveLength(7);
    expect(results).toEqual([30, 40, 50, 60, 70, 80, 90]);
    expect(time.min).toBeLessThanOrEqual(time.median);
  });

  it('counts a sampling budget at the median, so that outliers do not end the sampling', async () => {
    expect(typicalSpent([], 0)).toBe(0);
    expect(typicalSpent([1, 50, 1, 1], 4)).toBe(4);
    expect(typicalSpent([2, 2, 3], 30)).toBe(60); // batches of 10 runs
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    // One run in four takes 20 ms, the others 0.3 ms: the bodies reach 100 ms within about 20
    // runs, which is where sampling stopped when every millisecond counted; counted at the
    // median, samples go on until the wall-time cap (200 ms, about twice as many runs).
    let n = 0;
    const spiky = await timeOne(
      { warmup: 1, samples: 3, sampleMs: 100, maxRuns: 1_000 },
      () => n++,
      (i) => busy(i % 4 === 3 ? 20 : 0.3),
    );
    const samples = spiky.time.samples;
    let sum = 0;
    const reached = samples.findIndex((t) => (sum += t) >= 100);
    expect(reached).toBeGreaterThan(0);
    expect(samples.length).toBeGreaterThan(reached + 3);
    expect(spiky.time.median).toBeLessThan(5);
  });

  it('timeInterleaved spends its budgets on short bodies: more warm-ups, batches, more samples, within maxRuns', async () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    let setups = 0;
    const slow = await timeOne(
      { warmup: 1, samples: 3, warmupMs: 5, batchMs: 3, sampleMs: 12, maxRuns: 40 },
      () => ++setups,
      (n) => {
        busy(0.2);
        return n;
      },
    );
    // Warm-ups of 0.2 ms or more until 5 ms, then samples of batches of about 3 ms until 12 ms.
    expect(slow.warmups).toBeGreaterThanOrEqual(2);
    expect(slow.warmups).toBeLessThanOrEqual(25);
    expect(slow.batch).toBeGreaterThanOrEqual(2);
    expect(slow.time.samples.length).toBeGreaterThanOrEqual(3);
    expect(slow.time.min).toBeGreaterThanOrEqual(0.2);
    expect(setups).toBe(slow.warmups + slow.time.samples.length * slow.batch);
    // Samples stop at 12 ms of bodies, or at 40 runs.
    const sampled = slow.time.samples.reduce((sum, t) => sum + t * slow.batch, 0);
    expect(sampled >= 12 || slow.time.samples.length * slow.batch >= 40).toBe(true);
    expect(slow.results.at(-1)).toBe(setups);
    // A body of no measurable length after a setup of 1 ms hits the caps: 12 warm-ups, then
    // samples of 12 / 3 = 4 runs (a batch of 2 ms of bodies would take far longer with its setups)
    // until the samples hold 12 runs.
    setups = 0;
    const instant = await timeOne(
      {
        warmup: 1,
        samples: 3,
        warmupMs: 1_000,
        batchMs: 2,
        sampleMs: 1_000,
        maxRuns: 12,
        maxWarmups: 12,
      },
      () => {
        busy(1);
        return ++setups;
      },
      (n) => n,
    );
    expect(instant.warmups).toBe(12);
    expect(instant.batch).toBe(4);
    expect(instant.time.samples).toHaveLength(3);
    expect(setups).toBe(12 + 3 * 4);
    // A short body with a setup that costs nothing fills batchMs however few runs maxRuns allows:
    // 3 ms of 0.05 ms bodies, about 60 runs a sample, not 6 / 3 = 2.
    const cheap = await timeOne(
      { warmup: 20, samples: 3, batchMs: 3, maxRuns: 6 },
      () => 0,
      () => busy(0.05),
    );
    expect(cheap.batch).toBeGreaterThan(20);
    expect(cheap.batch).toBeLessThanOrEqual(60);
    expect(cheap.time.samples).toHaveLength(3);
    // Given a sample budget, such batches count as one run each against maxRuns: 6 samples of
    // about 3 ms, towards 30 ms, not the 3 that 6 runs would allow.
    const budgeted = await timeOne(
      { warmup: 20, samples: 3, batchMs: 3, maxRuns: 6, sampleMs: 30 },
      () => 0,
      () => busy(0.05),
    );
    expect(budgeted.batch).toBeGreaterThan(20);
    expect(budgeted.time.samples).toHaveLength(6);
  });

  it('timeInterleaved collects the young generation between setup and body for bodies of 1 ms or more, or under a third of their setups', async () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const g = globalThis as { gc?: ((options?: { type: string }) => void) | undefined };
    const saved = g.gc;
    const log: string[] = [];
    g.gc = (options) => {
      log.push(options?.type ?? 'major');
    };
    try {
      const repetitions = { warmup: 2, samples: 3, batchMs: 6, maxRuns: 9 };
      const long = await timeOne(
        repetitions,
        () => log.push('setup'),
        () => {
          log.push('body');
          busy(1.2);
        },
      );
      // One full collection before the warm-ups (which collect nothing), then a minor collection
      // between each sampled run's setup and its body.
      const collected = (batch: number) => [
        'major',
        ...['setup', 'body', 'setup', 'body'],
        ...Array.from({ length: 3 * batch }, () => ['setup', 'minor', 'body']).flat(),
      ];
      expect(long.batch).toBeGreaterThan(1);
      expect(log).toEqual(collected(long.batch));
      log.length = 0;
      const short = await timeOne(
        repetitions,
        () => 0,
        () => busy(0.1),
      );
      expect(short.batch).toBeGreaterThan(1);
      expect(log).toEqual(['major']);
      // A short body whose setup takes far more than 3 times as long (one that builds what the body joins).
      log.length = 0;
      const built = await timeOne(
        repetitions,
        () => {
          log.push('setup');
          busy(3);
        },
        () => {
          log.push('body');
          busy(0.1);
        },
      );
      expect(built.batch).toBeGreaterThan(1);
      expect(log).toEqual(collected(built.batch));
      // With no warm-ups to time, nothing says the setup takes longer: no collection.
      log.length = 0;
      await timeOne(
        { ...repetitions, warmup: 0 },
        () => busy(1),
        () => busy(0.1),
      );
      expect(log).toEqual(['major']);
    } finally {
      g.gc = saved;
    }
  });

  it('timeInterleaved warms each body up on its own, then samples them in turns, the order rotating', async () => {
    const log: string[] = [];
    const body = (name: string): Timing => ({ setup: () => name, run: (n) => log.push(n as string) });
    const timed = await timeInterleaved({ warmup: 2, samples: 3 }, [
      body('a'),
      body('b'),
      { ...body('c'), keepResults: false },
    ]);
    expect(log.join('')).toBe('aabbcc' + 'abc' + 'bca' + 'cab');
    expect(timed.map((t) => t.warmups)).toEqual([2, 2, 2]);
    expect(timed.map((t) => t.time.samples.length)).toEqual([3, 3, 3]);
    expect(timed[0]!.results).toEqual([7, 12, 14]);
    expect(timed[2]!.results).toEqual([]);
    expect(timed[2]!.last).toBe(13);
  });

  it('timeInterleaved gives every body the warm-up and sample budgets, and batches only short ones', async () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const [long, medium, short] = await timeInterleaved(
      { warmup: 1, samples: 3, warmupMs: 20, batchMs: 0.5, sampleMs: 30, maxRuns: 100 },
      [
        { setup: () => 12, run: busy } as Timing,
        { setup: () => 1, run: busy } as Timing,
        { setup: () => 0.05, run: busy } as Timing,
      ],
    );
    // Bounds that hold however slow the machine is (a busy body takes at least its ms).
    // 12 ms bodies: warm-ups until 20 ms (at most 2); the minimum of 3 samples passes 30 ms.
    expect(long!.warmups).toBeGreaterThanOrEqual(1);
    expect(long!.warmups).toBeLessThanOrEqual(2);
    expect(long!.batch).toBe(1);
    expect(long!.time.samples).toHaveLength(3);
    // 1 ms bodies, longer than a batch: unbatched, sampled past the minimum towards 30 ms.
    expect(medium!.warmups).toBeLessThanOrEqual(20);
    expect(medium!.batch).toBe(1);
    expect(medium!.time.samples.length).toBeGreaterThan(3);
    expect(medium!.time.samples.length).toBeLessThanOrEqual(30);
    // 0.05 ms bodies: batched into samples of about 0.5 ms, sampled past the minimum.
    expect(short!.batch).toBeGreaterThanOrEqual(2);
    expect(short!.time.samples.length).toBeGreaterThan(3);
  });

  it('formats a median with its range', () => {
    expect(formatStats(summarize([1.5, 2, 2.5]), 'ms')).toBe('2.00 ms (1.50–2.50)');
    expect(formatStats(summarize([2_500_000]), 'B')).toBe('2.50 MB');
  });
});

describe('scenario selection', () => {
  it('takes ids and numbers, refuses unknown names', () => {
    expect(selectScenarios('2,counters').map((s) => s.number)).toEqual([2, 5]);
    expect(selectScenarios(undefined)).toHaveLength(9);
    expect(selectScenarios('server').map((s) => s.number)).toEqual([9]);
    expect(() => selectScenarios('nope')).toThrow(/no scenario nope; there are 1 local-sets/);
    expect(() => selectScenarios('2,99,x')).toThrow(/no scenario 99, x;/);
  });
});

describe('the command line', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });

  it('prints its options for --help, and refuses a wrong option, scenario or adapter before running', () => {
    const help = bench('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: pnpm bench/);
    expect(help.stdout).toContain('--filter <list>');
    for (const [args, message] of [
      [['--fast'], /Unknown option '--fast'/],
      [['--filter', '2,99'], /--filter 2,99: no scenario 99; there are 1 local-sets/],
      [['--adapters', 'nlbd,yj'], /no adapter "yj"; there are plain, nlbd/],
      [['--lane-cpu', '99'], /--lane-cpu takes none or a CPU from 0 to \d+, got '99'/],
      [['--lane-cpu', 'first'], /--lane-cpu takes none or a CPU from 0 to \d+, got 'first'/],
    ] as const) {
      const refused = bench(...args);
      expect(refused.status, args.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(message);
      expect(refused.stderr).toContain('usage: pnpm bench');
      expect(refused.stdout).toBe('');
    }
  }, 60_000);
});

describe('a tiny run of every scenario on every adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlbd-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Every scenario checks its replicas (equal after merges, nothing lost) and throws otherwise.
  // Each adapter runs in a worker of its own, as in `pnpm bench`.
  let metrics: Metric[] = [];
  beforeAll(async () => {
    const outcome = await runBenchmarks(scenarios, adapters, {
      sizes: tinySizes,
      repetitions: { warmup: 0, samples: 2 },
    });
    expect(outcome.failures).toEqual([]);
    metrics = outcome.metrics;
  }, 300_000);

  it('measures every scenario on every adapter it applies to, and only those', () => {
    for (const s of scenarios) {
      for (const a of adapters) {
        expect(
          metrics.some((m) => m.scenario === s.id && m.adapter === a.name),
          `${s.id}/${a.name}`,
        ).toBe(s.adapters?.includes(a.name) ?? true);
      }
    }
    expect(metrics.every((m) => m.stats.samples.length >= 1 && m.stats.min <= m.stats.max)).toBe(true);
  });

  it('prints a table with a column per adapter', () => {
    const table = renderTable(
      scenarios,
      adapters.map((a) => a.name),
      metrics,
    );
    for (const a of adapters) expect(table).toContain(a.name);
    expect(table).toContain('8. Memory');
  });

  it('evaluates every target from the run', () => {
    const results = evaluateTargets(metrics);
    expect(results).toHaveLength(targets.length);
    for (const r of results) expect(r.verdict).toMatch(/^(met|MISS|n\/a: )/);
    expect(renderTargets(results)).toContain('full-state apply');
  });

  it('writes JSON, CSV and Markdown that read back', () => {
    const record: RunRecord = {
      environment: { ...environment(['yjs']), date: '2025-01-02T03:04:05.000Z' },
      config: { sizes: tinySizes, repetitions: { warmup: 0, samples: 2 } },
      lanes: 'in-process',
      metrics,
      failures: [],
      targets: evaluateTargets(metrics),
    };
    const [json, csv, md] = writeRecord(dir, record);
    expect(readFileSync(md!, 'utf8')).toBe(renderMarkdown(record));
    expect(readRecord(json!)).toEqual(JSON.parse(JSON.stringify(record)));
    expect(json).toMatch(/2025-01-02T03-04-05\.json$/);
    expect(JSON.parse(readFileSync(json!, 'utf8')).metrics).toHaveLength(metrics.length);
    const lines = readFileSync(csv!, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('scenario,adapter,metric,unit,median,min,max,samples');
    expect(lines).toHaveLength(metrics.length + 1);
    expect(toCsv([])).toBe('scenario,adapter,metric,unit,median,min,max,samples\n');
  });

  it('renders a chart to SVG without a canvas', async () => {
    const svg = await renderSvg(chartSpec(scenarios[1]!, metrics));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Full-state sync');
  });
});

describe('the Markdown report', () => {
  const stats = (median: number, min = median, max = median) => ({
    median,
    min,
    max,
    samples: [min, median, max],
  });
  const metrics: Metric[] = [
    { scenario: 'full-sync', adapter: 'plain', metric: 'encode', unit: 'ms', stats: stats(10, 9, 12) },
    { scenario: 'full-sync', adapter: 'nlbd', metric: 'encode', unit: 'ms', stats: stats(1) },
    { scenario: 'full-sync', adapter: 'yjs', metric: 'encode', unit: 'ms', stats: stats(100) },
    { scenario: 'full-sync', adapter: 'plain', metric: 'state bytes', unit: 'B', stats: stats(2_500_000) },
    { scenario: 'full-sync', adapter: 'yjs', metric: 'state | bytes', unit: 'B', stats: stats(0) },
  ];
  const record: RunRecord = {
    environment: { ...environment([]), date: '2026-12-04T05:06:07.000Z', commit: 'abcdef0123+dirty' },
    config: { sizes: tinySizes, repetitions: { warmup: 0, samples: 3 } },
    lanes: 'workers',
    metrics,
    failures: [
      { scenario: 'counters', adapter: 'loro', error: 'threw' },
      { scenario: 'counters', adapter: 'automerge', error: 'out of time', outOfTime: true },
    ],
    targets: evaluateTargets(metrics),
  };
  const md = renderMarkdown(record);

  it('is rendered again from a results file, which must hold what a report reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlbd-report-'));
    try {
      const [json] = writeRecord(dir, record);
      expect(renderMarkdown(readRecord(json!))).toBe(md);
      const refused = (content: string) => {
        const path = join(dir, 'bad.json');
        writeFileSync(path, content);
        return () => readRecord(path);
      };
      expect(() => readRecord(join(dir, 'none.json'))).toThrow(/not a results file \(ENOENT/);
      expect(refused('{')).toThrow(/not a results file \(/);
      expect(refused('[]')).toThrow(/not an object/);
      const valid = JSON.parse(readFileSync(json!, 'utf8'));
      const without = (change: (r: typeof valid) => void) => {
        const copy = structuredClone(valid);
        change(copy);
        return refused(JSON.stringify(copy));
      };
      expect(without((r) => delete r.environment.nodeFlags)).toThrow(/no environment/);
      expect(without((r) => delete r.config.sizes)).toThrow(/no sizes/);
      expect(without((r) => (r.failures[0].error = 7))).toThrow(/no failures, or one/);
      expect(without((r) => (r.failures[1].outOfTime = 'yes'))).toThrow(/no failures, or one/);
      expect(without((r) => (r.targets[0].ratio = '2'))).toThrow(/no targets, or one/);
      expect(without((r) => delete r.metrics[1].stats.min)).toThrow(/metrics\[1\] is not a metric/);
      expect(without((r) => (r.metrics[0].adapter = null))).toThrow(/metrics\[0\] is not a metric/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bars fill eighths of a cell, at least one eighth for any length above 0', () => {
    expect(bar(0)).toBe('');
    expect(bar(-1)).toBe('');
    expect(bar(1)).toBe('█');
    expect(bar(2.5)).toBe('██▌');
    expect(bar(0.001)).toBe('▏');
    expect(bar(3 + 7 / 8)).toBe('███▉');
  });

  it('puts bars on one log scale: equal ratios, equal differences; the smallest still has a bar', () => {
    const [a, b, c, zero] = logBars([2, 20, 200, 0]) as number[];
    expect(b! - a!).toBeCloseTo(CHARS_PER_DECADE);
    expect(c! - b!).toBeCloseTo(CHARS_PER_DECADE);
    expect(a).toBeGreaterThan(0);
    expect(zero).toBe(0);
    expect(logBars([1, 10])).toEqual([CHARS_PER_DECADE, 2 * CHARS_PER_DECADE]);
    expect(logBars([0, -1])).toEqual([0, 0]);
    expect(logBars([])).toEqual([]);
  });

  it('says where and when it ran, with the sizes and the failures', () => {
    expect(md).toContain('Run of 2026-12-04 05:06 UTC, commit `abcdef0+dirty`');
    expect(md).toContain('each adapter in a worker thread of its own;');
    expect(renderMarkdown({ ...record, laneCpu: 1 })).toContain(
      'each adapter in a worker thread of its own, all bound to CPU 1;',
    );
    expect(md).toContain(`fullState ${tinySizes.fullState}`);
    expect(md).toContain('- FAILED: loro in counters: threw');
    expect(md).toContain('- OUT OF TIME: automerge in counters: out of time');
    expect(md).toContain('targets (ratios of medians from this run):');
  });

  it('tables every metric by adapter, escaping pipes, with – where an adapter has none', () => {
    const lines = md.split('\n');
    expect(lines.some((l) => /^\| metric +\| plain +\| nlbd +\| yjs +\|$/.test(l))).toBe(true);
    expect(lines.some((l) => /^\| -+ \| -+ \| -+ \| -+ \|$/.test(l))).toBe(true);
    const row = (label: string) =>
      lines
        .find((l) => l.startsWith(`| ${label} `))
        ?.split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
    expect(row('2: encode')).toEqual(['2: encode', '10.0 ms', '1.00 ms', '100 ms']);
    expect(row('2: state bytes')).toEqual(['2: state bytes', '2.50 MB', '–', '–']);
    expect(row('2: state \\| bytes')).toEqual(['2: state \\| bytes', '–', '–', '0 B']);
  });

  it('charts each metric: a bar per adapter that measured it, longer for a larger median', () => {
    const chart = md.slice(md.indexOf('**2. Full-state sync: encode (ms)**'));
    const body = chart
      .slice(chart.indexOf('```') + 4, chart.indexOf('```', chart.indexOf('```') + 3))
      .split('\n');
    expect(body.map((l) => l.split(' ')[0])).toEqual(['plain', 'nlbd', 'yjs', '']);
    const length = (line: string) => (line.match(/[█▏▎▍▌▋▊▉]/g) ?? []).length;
    expect(length(body[1]!)).toBeLessThan(length(body[0]!));
    expect(length(body[0]!)).toBeLessThan(length(body[2]!));
    expect(body[0]).toMatch(/10\.0 ms {2}█+\s+9\.00–12\.0$/);
    expect(body[1]).toMatch(/1\.00 ms {2}█+$/);
    expect(md.match(/^\*\*2\. /gm)).toHaveLength(3);
  });
});

/**
 * A scenario of id `id` timing two bodies on each adapter, `first` then `second` (each given
 * the adapter's name), with a metric for each.
 */
function twoBodies(
  id: string,
  first: (name: string) => unknown,
  second: (name: string) => unknown,
): Scenario {
  return {
    id,
    number: 0,
    title: id,
    measures: 'the runner',
    *run(adapter) {
      const one = yield* timed(() => adapter.name, first);
      const two = yield* timed(() => adapter.name, second);
      return [
        { metric: 'first', unit: 'ms', stats: one.time },
        { metric: 'second', unit: 'ms', stats: two.time },
      ];
    },
  };
}

describe('the runner', () => {
  it("steps every adapter's run together: each body is timed on all adapters before the next", async () => {
    const log: string[] = [];
    const ordered = twoBodies(
      'two-bodies',
      (name) => log.push(`1${name}`),
      (name) => log.push(`2${name}`),
    );
    const chosen = adapters.slice(0, 2);
    const { metrics } = await runBenchmarks(
      [ordered],
      chosen,
      { sizes: tinySizes, repetitions: { warmup: 1, samples: 2 } },
      { isolate: false },
    );
    const [x, y] = chosen.map((a) => a.name);
    expect(log).toEqual([
      `1${x}`,
      `1${y}`,
      `1${x}`,
      `1${y}`,
      `1${y}`,
      `1${x}`,
      `2${x}`,
      `2${y}`,
      `2${x}`,
      `2${y}`,
      `2${y}`,
      `2${x}`,
    ]);
    expect(metrics.map((m) => `${m.adapter} ${m.metric} ${m.stats.samples.length}`)).toEqual([
      `${x} first 2`,
      `${x} second 2`,
      `${y} first 2`,
      `${y} second 2`,
    ]);
  });
});

describe('a lane that throws', () => {
  it('is dropped from its scenario while the other lanes and the next scenarios go on', async () => {
    const [x, y] = adapters.slice(0, 2).map((a) => a.name);
    // `y` throws in its second body, after its first was timed; `x` runs both.
    const breaks = twoBodies(
      'breaks',
      (name) => name.length,
      (name) => {
        if (name === y) throw new TypeError(`${name} broke`);
        return name.length;
      },
    );
    const after: Scenario = {
      ...breaks,
      id: 'after',
      run: () => [{ metric: 'ran', unit: 'ms', stats: summarize([1]) }],
    };
    const lines: string[] = [];
    const { metrics, failures } = await runBenchmarks(
      [breaks, after],
      adapters.slice(0, 2),
      { sizes: tinySizes, repetitions: { warmup: 1, samples: 2 } },
      { isolate: false, progress: (line) => lines.push(line) },
    );
    expect(failures).toEqual([{ scenario: 'breaks', adapter: y, error: `${y} broke` }]);
    expect(metrics.map((m) => `${m.scenario} ${m.adapter} ${m.metric}`)).toEqual([
      `breaks ${x} first`,
      `breaks ${x} second`,
      `after ${x} ran`,
      `after ${y} ran`,
    ]);
    expect(lines[0]).toMatch(new RegExp(`; FAILED: ${y}$`));
    expect(lines[1]).not.toMatch(/FAILED/);
  });
});

describe('lanes in workers', () => {
  const config = { sizes: tinySizes, repetitions: { warmup: 0, samples: 2 } };

  it('record a scenario that throws in a worker as a failure, and go on to the next scenario', async () => {
    // No counter states: the merge runs, then summarizing their sizes throws.
    const nlbd = adapters.filter((a) => a.name === 'nlbd');
    const { metrics, failures } = await runBenchmarks(
      [scenarioById('counters'), scenarioById('full-sync')],
      nlbd,
      { ...config, sizes: { ...tinySizes, counterReplicas: 0 } },
    );
    expect(failures).toEqual([
      {
        scenario: 'counters',
        adapter: 'nlbd',
        error: expect.stringMatching(/^nlbd \(counters, in its worker\): RangeError: no samples/),
      },
    ]);
    expect(metrics.filter((m) => m.scenario === 'counters')).toEqual([]);
    expect(metrics.some((m) => m.scenario === 'full-sync' && m.metric === 'apply into empty')).toBe(true);
  });

  it('stop a worker whose run of a scenario goes past laneTimeoutMs: a failure, and the next scenario gets a fresh worker', async () => {
    const nlbd = adapters.filter((a) => a.name === 'nlbd');
    // Warm-ups that would go on for 60 s, cut at 300 ms.
    const slow = { ...config, repetitions: { warmup: 1, samples: 2, warmupMs: 60_000, maxWarmups: 1e9 } };
    const started = performance.now();
    const { metrics, failures } = await runBenchmarks(
      [scenarioById('full-sync'), scenarioById('counters')],
      nlbd,
      { ...slow, laneTimeoutMs: 300 },
    );
    expect(performance.now() - started).toBeLessThan(30_000);
    // The second failure names its own scenario: it ran in a new worker, not the stopped one.
    expect(failures).toEqual(
      ['full-sync', 'counters'].map((scenario) => ({
        scenario,
        adapter: 'nlbd',
        error: `nlbd (${scenario}): out of time in warmUp; its worker was stopped`,
        outOfTime: true,
      })),
    );
    expect(metrics).toEqual([]);
  });

  it('bind every worker thread to laneCpu where threads can be bound, and say so', async () => {
    // Where `canPin` (Linux, two CPUs or more, taskset), the kernel then lists the CPU alone
    // for one thread of this process at least; elsewhere nothing is bound and nothing is said.
    const boundThreads = () =>
      readdirSync('/proc/self/task').filter((tid) => allowedCpus(Number(tid)) === '1').length;
    const worker = new AdapterWorker('nlbd', 1);
    await worker.ready();
    expect(worker.cpu).toBe(canPin() ? 1 : undefined);
    if (canPin()) expect(boundThreads()).toBeGreaterThan(0);
    await worker.close();
    const two = adapters.filter((a) => a.name === 'nlbd' || a.name === 'plain');
    const bound = await runBenchmarks([scenarioById('counters')], two, config, { laneCpu: 1 });
    expect(bound.failures).toEqual([]);
    expect(bound.laneCpu).toBe(canPin() ? 1 : undefined);
    const free = await runBenchmarks([scenarioById('counters')], two, config);
    expect(free.laneCpu).toBeUndefined();
    expect(new AdapterWorker('nlbd').cpu).toBeUndefined();
  });

  it('read thread ids and the CPUs a thread may run on from /proc, where it exists', () => {
    const tid = threadId();
    if (process.platform !== 'linux') expect(tid).toBeUndefined();
    else {
      expect(Number.isSafeInteger(tid)).toBe(true);
      expect(allowedCpus(tid as number)).toMatch(/^[\d,-]+$/);
    }
    expect(allowedCpus(-1)).toBeUndefined();
  });

  it("count laneTimeoutMs over all of a run's calls: many short samples run out too", async () => {
    const nlbd = adapters.filter((a) => a.name === 'nlbd');
    // Each sample takes milliseconds; sampling would go on for 60 s.
    const endless = { ...config, repetitions: { warmup: 0, samples: 2, sampleMs: 60_000, maxRuns: 1e9 } };
    const { failures } = await runBenchmarks([scenarioById('counters')], nlbd, {
      ...endless,
      laneTimeoutMs: 500,
    });
    expect(failures).toEqual([
      {
        scenario: 'counters',
        adapter: 'nlbd',
        error: 'nlbd (counters): out of time in sample; its worker was stopped',
        outOfTime: true,
      },
    ]);
  });

  it("fail the run for every failure but a peer library's running out of time", () => {
    const failure = (adapter: string, outOfTime: boolean): Failure => ({
      scenario: 'many-writers',
      adapter,
      error: 'out of time in sample',
      ...(outOfTime ? { outOfTime: true as const } : {}),
    });
    for (const peer of ['yjs', 'yjs-v2', 'automerge', 'loro']) {
      expect(failsTheRun(failure(peer, true)), peer).toBe(false);
      expect(failureLabel(failure(peer, true))).toBe('OUT OF TIME');
      expect(failsTheRun(failure(peer, false)), peer).toBe(true);
    }
    for (const own of ['nlbd', 'nlbd-compressed', 'plain', 'no-such-adapter']) {
      expect(failsTheRun(failure(own, true)), own).toBe(true);
      expect(failureLabel(failure(own, true))).toBe('FAILED');
    }
  });

  it('reject when the worker cannot start, or its lane names no scenario', async () => {
    const broken = new AdapterWorker('no-such-adapter');
    await expect(broken.ready()).rejects.toThrow(/its worker failed: .*no-such-adapter/);
    await expect(new WorkerLane(broken, 'counters', config).start()).rejects.toThrow(/its worker failed/);
    await broken.close();
    const nlbd = new AdapterWorker('nlbd');
    await nlbd.ready();
    const lane = new WorkerLane(nlbd, 'no-such-scenario', config);
    await expect(lane.start()).rejects.toThrow(/no scenario has the id no-such-scenario/);
    await expect(lane.sample()).rejects.toThrow(/sample before any start/);
    await nlbd.close();
  });
});

describe('targets without nlbd', () => {
  it('are reported as n/a, never computed from nothing', () => {
    const results = evaluateTargets([]);
    expect(results.every((r) => r.verdict === 'n/a: nlbd adapter missing' && r.ratio === null)).toBe(true);
  });
});

describe('environment', () => {
  it("records node, the node flags of the run and the measured libraries' installed versions", () => {
    const env = environment(['yjs', 'no-such-library']);
    expect(env.node).toBe(process.version);
    expect(env.nodeFlags).toEqual(process.execArgv);
    expect(env.nodeFlags).not.toBe(process.execArgv);
    expect(env.packages.yjs).toMatch(/^13\.\d+\.\d+/);
    expect(env.packages['no-such-library']).toBe('not installed');
    expect(env.cores).toBeGreaterThan(0);
  });
});

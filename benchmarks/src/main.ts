/**
 * `pnpm bench [--full] [--filter <scenario ids or numbers>] [--adapters <names>] [--in-process]
 * [--lane-cpu <n|none>]`
 * (`--help` lists the options; a wrong option or name exits 2 with the list):
 * runs the scenarios on every adapter in this one process, each adapter in a worker thread of its
 * own (all in the main thread with `--in-process`), every worker's thread bound to one CPU where
 * it can be (`--lane-cpu`, see affinity.ts), prints the table and the target ratios, and
 * writes benchmarks/results/<date>.json, .csv, .md and one SVG chart per scenario. An adapter whose
 * run of a scenario throws is reported after the table and makes the exit status 1; the rest still
 * run. `pnpm bench --markdown <date>.json` runs nothing: it prints the Markdown report of the run
 * recorded there.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adapterByName, adapters } from '@nlbd/adapters';
import { canPin } from './affinity.js';
import {
  fullRepetitions,
  fullSizes,
  LANE_TIMEOUT_MS,
  quickRepetitions,
  quickSizes,
  type RunConfig,
} from './config.js';
import { environment } from './environment.js';
import { writeCharts } from './report/charts.js';
import { type RunRecord, readRecord, runStamp, writeRecord } from './report/files.js';
import { renderMarkdown } from './report/markdown.js';
import { renderTable } from './report/table.js';
import { failsTheRun, failureLabel, runBenchmarks } from './run.js';
import { selectScenarios } from './scenarios/index.js';
import { evaluateTargets, renderTargets } from './targets.js';

const USAGE = `usage: pnpm bench [options]

  --full                 the issue's sizes (the quick suite's are a tenth of most)
  --filter <list>        scenarios by number or id, comma-separated (e.g. 2,3 or full-sync)
  --adapters <list>      adapters by name, comma-separated (${adapters.map((a) => a.name).join(', ')})
  --in-process           every adapter in the main thread, not a worker each (no time limit)
  --lane-cpu <n|none>    the CPU every worker's thread is bound to (default 0 on Linux with
                         taskset and two CPUs or more, else none)
  --out <dir>            where the results go (default benchmarks/results)
  --markdown <file>      print the Markdown report of a recorded run (<date>.json); runs nothing
  -h, --help             this text
`;

/**
 * `parse()`, or, when it throws (an unknown option, scenario or adapter), its message and the
 * usage on stderr and exit status 2.
 */
function orUsageError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

const { values } = orUsageError(() =>
  parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      filter: { type: 'string' },
      adapters: { type: 'string' },
      out: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      'lane-cpu': { type: 'string' },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }),
);
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/**
 * The CPU to bind the workers' threads to: `--lane-cpu` (an integer below the CPU count, or
 * `none`), by default 0 where threads can be bound (see affinity.ts). Throws on another value.
 */
function chooseLaneCpu(option: string | undefined): number | undefined {
  if (option === undefined) return canPin() ? 0 : undefined;
  if (option === 'none') return undefined;
  const cpu = Number(option);
  if (!/^\d+$/.test(option) || cpu >= availableParallelism())
    throw new Error(
      `--lane-cpu takes none or a CPU from 0 to ${availableParallelism() - 1}, got '${option}'`,
    );
  if (!canPin()) throw new Error('--lane-cpu needs Linux, two CPUs or more and taskset');
  return cpu;
}

/** `path` from the caller's directory: pnpm runs this in benchmarks/, and records where it was called in INIT_CWD. */
function callerPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? '.', path);
}

if (values.markdown !== undefined) {
  let report: string;
  try {
    report = renderMarkdown(readRecord(callerPath(values.markdown)));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  await new Promise((written) => process.stdout.write(report, written));
  process.exit(0);
}

const chosenScenarios = orUsageError(() => selectScenarios(values.filter));
const chosenAdapters = orUsageError(() =>
  values.adapters ? values.adapters.split(',').map((n) => adapterByName(n.trim())) : [...adapters],
);
const isolate = !values['in-process'];
const laneCpu = isolate ? orUsageError(() => chooseLaneCpu(values['lane-cpu'])) : undefined;
const config: RunConfig = values.full
  ? { sizes: fullSizes, repetitions: fullRepetitions, laneTimeoutMs: LANE_TIMEOUT_MS.full }
  : { sizes: quickSizes, repetitions: quickRepetitions, laneTimeoutMs: LANE_TIMEOUT_MS.quick };
const env = environment([...new Set(chosenAdapters.flatMap((a) => (a.library ? [a.library] : [])))]);
if (env.nlbdFrom !== 'dist') {
  console.error(
    'nlbd is loaded from its TypeScript sources, not from dist/: run `pnpm bench`, which builds the ' +
      'packages and runs with TSX_TSCONFIG_PATH=tsconfig.run.json (no path aliases to src)',
  );
  process.exit(1);
}
if (!env.gcExposed)
  console.warn('warning: global.gc is missing (run node with --expose-gc); memory figures include garbage');
if (!env.nodeFlags.some((f) => f.startsWith('--min-semi-space-size')))
  console.warn(
    'warning: the young generation is not pinned (run node with --min-semi-space-size=16, as pnpm bench ' +
      'does): an isolate that waits while the others run has it shrunk, and its next samples pay',
  );
console.log(
  `nlbd bench ${values.full ? '--full' : '(quick)'}: ${env.node}, ${env.cpu} x${env.cores}, commit ${env.commit}, ` +
    (isolate
      ? `each adapter in a worker thread of its own${laneCpu === undefined ? '' : `, all bound to CPU ${laneCpu}`}`
      : 'every adapter in the main thread (--in-process)'),
);
console.log(
  Object.entries(env.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', '),
);

const started = performance.now();
const outcome = await runBenchmarks(chosenScenarios, chosenAdapters, config, {
  progress: (line) => console.error(line),
  isolate,
  ...(laneCpu === undefined ? {} : { laneCpu }),
});
const { metrics, failures } = outcome;
if (laneCpu !== undefined && outcome.laneCpu === undefined)
  console.warn(`warning: not every worker could be bound to CPU ${laneCpu}; the record says none`);
const record: RunRecord = {
  environment: env,
  config,
  lanes: isolate ? 'workers' : 'in-process',
  ...(outcome.laneCpu === undefined ? {} : { laneCpu: outcome.laneCpu }),
  metrics,
  failures,
  targets: evaluateTargets(metrics),
};
console.log(
  `\n${renderTable(
    chosenScenarios,
    chosenAdapters.map((a) => a.name),
    metrics,
  )}\n`,
);
console.log(`${renderTargets(record.targets)}\n`);
// A failed run measured nothing: said after the table, and the exit status fails, results written.
// A peer library cut off by its time limit is said too, but does not fail the run (`failsTheRun`).
for (const f of failures) console.log(`${failureLabel(f)}: ${f.adapter} in ${f.scenario}: ${f.error}`);
if (failures.some(failsTheRun)) process.exitCode = 1;
const dir =
  values.out === undefined ? fileURLToPath(new URL('../results/', import.meta.url)) : callerPath(values.out);
const written = [
  ...writeRecord(dir, record),
  ...(await writeCharts(dir, runStamp(record), chosenScenarios, metrics)),
];
console.log(`wrote ${written.length} files to ${dir} (${runStamp(record)}.json, .csv, .md, -<scenario>.svg)`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);

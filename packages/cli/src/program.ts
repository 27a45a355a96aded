import { readFileSync } from 'node:fs';
import { NlbdError, ValidationError } from '@nlbd/core';
import type { ScenarioOptions } from '@nlbd/sync';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseCrash, parseLatency, parsePartition, parseTopology, parseVary } from './parse.js';
import { firstSignal, parseLimits, readTokensFile, startServe } from './serve.js';
import {
  PROTOCOLS,
  runExperiment,
  SIMULATE_TYPES,
  type SweepAxis,
  sweepPoints,
  writeExperiment,
} from './simulate.js';
import { listStored, removeStored, storedTable } from './store.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return n;
};
const port = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port in [0, 65535]');
  return n;
};
const probability = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a probability in [0, 1)');
  return n;
};

interface SimulateFlags {
  scenario?: string;
  seed: number;
  nodes: number;
  topology: string;
  latency: string;
  loss: number;
  duplicate: number;
  reorder: number;
  reorderMs: number;
  malformed: number;
  partition: string[];
  crash: string[];
  type: string;
  ops: number;
  rounds: number;
  keys: number;
  protocols: string;
  fanout: number;
  maxRounds: number;
  roundMs: number;
  out: string;
  vary: string[];
}

interface ServeFlags {
  port: number;
  host: string;
  path?: string;
  db?: string;
  token: string[];
  tokensFile?: string;
  limit: string[];
}

/** The JSON scenario file; unreadable or malformed files are a `ValidationError`. */
function readScenarioFile(path: string): Partial<ScenarioOptions> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read the scenario file: ${(error as Error).message}`, 'scenario');
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new SyntaxError('not a JSON object');
    return parsed as Partial<ScenarioOptions>;
  } catch (error) {
    throw new ValidationError(`${path} is not a scenario: ${(error as Error).message}`, 'scenario');
  }
}

/** The scenario from an optional JSON file, with the flags the user gave on top. */
function scenarioFrom(flags: SimulateFlags, given: Set<string>): Omit<ScenarioOptions, 'protocols'> {
  const file = flags.scenario ? readScenarioFile(flags.scenario) : {};
  const pick = <T>(name: string, fromFlag: T, fromFile: T | undefined): T =>
    given.has(name) || fromFile === undefined ? fromFlag : fromFile;
  return {
    seed: pick('seed', flags.seed, file.seed),
    nodes: pick('nodes', flags.nodes, file.nodes),
    topology: pick('topology', parseTopology(flags.topology), file.topology),
    roundMs: pick('roundMs', flags.roundMs, file.roundMs),
    link:
      file.link &&
      !['latency', 'loss', 'duplicate', 'reorder', 'reorderMs', 'malformed'].some((f) => given.has(f))
        ? file.link
        : {
            latency: parseLatency(flags.latency),
            loss: flags.loss,
            duplicate: flags.duplicate,
            reorder: flags.reorder,
            reorderMs: flags.reorderMs,
            malformed: flags.malformed,
          },
    partitions: pick('partition', flags.partition.map(parsePartition), file.partitions),
    crashes: pick('crash', flags.crash.map(parseCrash), file.crashes),
    workload:
      file.workload && !['type', 'ops', 'rounds', 'keys'].some((f) => given.has(f))
        ? file.workload
        : { type: flags.type, opsPerRound: flags.ops, rounds: flags.rounds, keys: flags.keys },
    fanout: pick('fanout', flags.fanout, file.fanout),
    maxRounds: pick('maxRounds', flags.maxRounds, file.maxRounds),
  };
}

/** A progress bar over the runs of an experiment on a terminal; nothing when output is piped. */
export function progressBar(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>, runs: number) {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let current = '';
  let started = 0;
  return {
    update: (label: string, round: number) => {
      if (label !== current) [current, started] = [label, started + 1];
      const width = 30;
      const filled = Math.round(((started - 1) / runs) * width);
      stream.write(
        `\r\x1b[K[${'#'.repeat(filled)}${' '.repeat(width - filled)}] run ${started}/${runs} ${label}, round ${round}`,
      );
    },
    done: () => stream.write('\r\x1b[K'),
  };
}

/** The `nlbd` command line program. */
export function createProgram(): Command {
  const program = new Command('nlbd').description('nlbd: leaderless delta-state CRDTs').showHelpAfterError();
  program
    .command('simulate')
    .description(
      'simulate sync protocols side by side on one seed and workload; writes CSV, JSONL, meta.json and SVG charts',
    )
    .option('--scenario <file>', 'a JSON file with scenario options (flags given override it)')
    .option('--seed <n>', 'random seed', integer, 1)
    .option('--nodes <n>', 'number of nodes', integer, 50)
    .option('--topology <t>', 'full | ring | regular:K', 'regular:4')
    .option('--latency <model>', 'fixed:MS | uniform:MIN-MAX | normal:MEAN,SD | exp:MEAN', 'uniform:10-80')
    .option('--loss <p>', 'message loss probability', probability, 0)
    .option('--duplicate <p>', 'message duplication probability', probability, 0)
    .option('--reorder <p>', 'probability a message is held back', probability, 0)
    .option('--reorder-ms <ms>', 'how long a held-back message may wait', integer, 200)
    .option('--malformed <p>', 'probability a message is followed by a truncated copy', probability, 0)
    .option('--partition <spec>', 'AT-HEAL:a,b/c,d (repeatable)', collect, [])
    .option('--crash <spec>', 'NODE@AT[-RESTART][:keep] (repeatable)', collect, [])
    .addOption(
      new Option('--type <type>', 'CRDT type of the workload').choices(SIMULATE_TYPES).default('lwwmap'),
    )
    .option('--ops <n>', 'operations per round', integer, 20)
    .option('--rounds <n>', 'rounds with operations', integer, 20)
    .option('--keys <n>', 'distinct keys or elements', integer, 1000)
    .option(
      '--protocols <list>',
      `comma-separated: ${Object.keys(PROTOCOLS).join(', ')}`,
      Object.keys(PROTOCOLS).join(','),
    )
    .option('--fanout <n>', 'peers per gossip round', integer, 3)
    .option('--max-rounds <n>', 'give up after this many rounds', integer, 1000)
    .option('--round-ms <ms>', 'virtual milliseconds per round', integer, 100)
    .option('--out <dir>', 'output directory', 'sim-out')
    .option(
      '--vary <param=values>',
      'sweep a parameter (nodes, fanout, loss, degree), e.g. nodes=16,64,256 (repeatable: every combination)',
      collect,
      [],
    )
    .action(async (flags: SimulateFlags, command: Command) => {
      const given = new Set(Object.keys(flags).filter((k) => command.getOptionValueSource(k) === 'cli'));
      const scenario = scenarioFrom(flags, given);
      const axes: SweepAxis[] = flags.vary.map(parseVary);
      const protocols = flags.protocols.split(',');
      const bar = progressBar(process.stderr, protocols.length * sweepPoints(axes).length);
      const runs = runExperiment(scenario, protocols, axes, bar.update);
      bar.done();
      const files = await writeExperiment(flags.out, scenario, runs, axes);
      for (const r of runs) {
        const s = r.summary;
        const label = [r.protocol, ...Object.entries(r.point).map(([k, v]) => `${k}=${v}`)].join(' ');
        console.log(
          `${label.padEnd(13)} ${s.converged ? `converged ${String(s.roundsToConverge).padStart(3)} rounds after the last disturbance` : 'did NOT converge'}` +
            `  ${s.messages} msgs  ${s.bytes} bytes (${s.payloadBytes} payload)`,
        );
      }
      console.log(`wrote ${files.join(', ')}`);
      if (runs.some((r) => !r.summary.converged)) process.exitCode = 2;
    });
  program
    .command('serve')
    .description(
      'run a WebSocket sync server hosting documents of any type; stops cleanly on SIGINT or SIGTERM',
    )
    .option('--port <n>', 'TCP port (0: any free port; the URL printed says which)', port, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--path <path>', 'URL path clients connect to, e.g. /sync (default: any; others get 404)')
    .option('--db <file>', 'SQLite file to keep documents in (default: in memory, lost at exit)')
    .option('--token <token>', 'a shared token clients must present (repeatable)', collect, [])
    .option('--tokens-file <file>', 'a file of shared tokens, one per line (# starts a comment)')
    .option(
      '--limit <name=value>',
      'a server limit, e.g. maxConnections=500 (repeatable; the limits: docs/sync-server.md)',
      collect,
      [],
    )
    .action(async (flags: ServeFlags) => {
      const tokens = [...flags.token, ...(flags.tokensFile ? readTokensFile(flags.tokensFile) : [])];
      const running = await startServe({
        port: flags.port,
        host: flags.host,
        ...(flags.path === undefined ? {} : { path: flags.path }),
        ...(flags.db === undefined ? {} : { db: flags.db }),
        tokens,
        limits: parseLimits(flags.limit),
        onError: (error, context) =>
          console.error(`nlbd serve: ${context}: ${error instanceof Error ? error.message : String(error)}`),
      });
      const signal = firstSignal(['SIGINT', 'SIGTERM']);
      const auth = tokens.length > 0 ? `${tokens.length} token${tokens.length > 1 ? 's' : ''}` : 'no auth';
      console.log(`nlbd serve: listening on ${running.server.url} (${flags.db ?? 'in memory'}, ${auth})`);
      console.error(`nlbd serve: ${await signal}, shutting down`);
      await running.stop();
      console.error('nlbd serve: stopped');
    });
  const store = program
    .command('store')
    .description('list or delete the documents of an nlbd SQLite file (with no server running on it)');
  store
    .command('list')
    .description('every document stored, with its CRDT type and size')
    .argument('<db>', 'the SQLite file')
    .option('--json', 'one JSON array instead of a table')
    .action(async (db: string, flags: { json?: boolean }) => {
      const rows = await listStored(db);
      if (flags.json) console.log(JSON.stringify(rows, null, 2));
      else console.log(rows.length === 0 ? 'no documents stored' : storedTable(rows));
    });
  store
    .command('delete')
    .description('remove documents (snapshot and deltas); exits 1 if one held nothing')
    .argument('<db>', 'the SQLite file')
    .argument('<docs...>', 'document names')
    .action(async (db: string, docs: string[]) => {
      for (const [doc, removed] of await removeStored(db, docs)) {
        if (removed) console.log(`removed '${doc}'`);
        else {
          console.error(`nlbd store: nothing stored under '${doc}'`);
          process.exitCode = 1;
        }
      }
    });
  return program;
}

/** Runs the program on `argv`; typed errors become one-line messages and exit code 1. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv as string[]);
  } catch (error) {
    if (!(error instanceof NlbdError || error instanceof SyntaxError)) throw error;
    console.error(`nlbd: ${error instanceof ValidationError ? error.message : String(error.message)}`);
    process.exitCode = 1;
  }
}

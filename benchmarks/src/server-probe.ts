/**
 * Child process of the server scenario: `server-probe.ts <sqlite|memory> <clients> <ops> <rate>
 * <warmup> <samples>` starts a sync server in its own process (`server-host.ts`), connects
 * `clients` clients to it over loopback, runs the two phases below per sample on a fresh shared
 * LWW-Map document each, and prints a {@link ServerProbeReport} as JSON.
 *
 * - steady: every client sets a key `ops` times at `rate` per second, the clients' writes spread
 *   evenly over each period: the latency of an op is from its write at its client until the last
 *   of the other clients has it.
 * - closed loop: every client writes `ops` times, each write waiting for the server's
 *   acknowledgement (durable in its storage) of the one before: ops per second acknowledged, and
 *   the same latency under that load.
 *
 * Ops are told apart by their dots: client i's k-th write is dot (i, k) of the document, so a
 * client holds it iff its state's causal context does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DotContext } from '@nlbd/core';
import { LWWMap, type LWWMapState } from '@nlbd/crdts';
import { connect, type DocumentHandle, type SyncClient } from '@nlbd/net';
import { WebSocket } from 'ws';
import type { ServerProbeReport } from './scenarios/server.js';
import { quantile } from './stats.js';

type MapDoc = DocumentHandle<LWWMapState, ReturnType<typeof LWWMap.value>>;

const [storage = '', ...numbers] = process.argv.slice(2);
const [clientCount, ops, rate, warmup, samples] = numbers.map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const host = fileURLToPath(new URL('./server-host.ts', import.meta.url));
/** Keys the clients write: a shared map, so writes to one key from different clients meet. */
const KEYS = 1000;
/** A phase that has not converged by then is a failure, not a slow result. */
const PHASE_TIMEOUT_MS = 120_000;

/** When each op was written, and when the last other client got it. */
class Visibility {
  readonly #sentAt: Float64Array;
  readonly #seenAt: Float64Array;
  readonly #missing: Int32Array;
  /** Per observing client, per writer: how many of the writer's ops it holds. */
  readonly #held: Int32Array[];
  readonly #replicas: readonly string[];
  #pending: number;
  #resolve: () => void = () => {};
  readonly done: Promise<void>;

  readonly ops: number;

  constructor(replicas: readonly string[], ops: number) {
    const n = replicas.length;
    this.ops = ops;
    this.#replicas = replicas;
    this.#sentAt = new Float64Array(n * ops);
    this.#seenAt = new Float64Array(n * ops);
    this.#missing = new Int32Array(n * ops).fill(n - 1);
    this.#held = replicas.map(() => new Int32Array(n));
    this.#pending = n * ops;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    if (n === 1) this.#resolve();
  }

  written(writer: number, op: number): void {
    this.#sentAt[writer * this.ops + op - 1] = performance.now();
  }

  /** Client `observer` changed: count the ops of others it holds now and did not before. */
  observe(observer: number, state: LWWMapState): void {
    const now = performance.now();
    const held = this.#held[observer]!;
    for (let w = 0; w < this.#replicas.length; w++) {
      if (w === observer) continue;
      const replica = this.#replicas[w]!;
      let k = held[w]!;
      while (k < this.ops && DotContext.hasEvent(state.context, replica, k + 1)) {
        const i = w * this.ops + k++;
        if (--this.#missing[i]! === 0) {
          this.#seenAt[i] = now;
          if (--this.#pending === 0) this.#resolve();
        }
      }
      held[w] = k;
    }
  }

  /** Milliseconds from each op's write to its arrival at the last other client. */
  latencies(): number[] {
    return Array.from(this.#sentAt, (sent, i) => this.#seenAt[i]! - sent);
  }
}

/**
 * Starts the server process; resolves with its URL, a function asking it for the CPU time it has
 * used (ms), and a stop function.
 */
async function startServer(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', host, storage, dir], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // Its output is lines: the URL, then one answer per question, in order.
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) waiting.shift()?.resolve(line);
  });
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`server-host exited with ${code}`));
  });
  const nextLine = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  const url = await nextLine();
  const cpuMs = async () => {
    const answer = nextLine();
    child.stdin.write('cpu\n');
    return Number(await answer);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
    });
  return { url, cpuMs, stop };
}

function until(what: string, check: () => boolean): Promise<void> {
  const deadline = performance.now() + PHASE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const look = () => {
      if (check()) resolve();
      else if (performance.now() > deadline)
        reject(new Error(`server scenario: timed out waiting for ${what}`));
      else setTimeout(look, 5);
    };
    look();
  });
}

const within = <T>(what: string, promise: Promise<T>): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server scenario: timed out: ${what}`)), PHASE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** Every client opens document `name`; resolves once all are subscribed, with the tracker wired. */
async function openAll(clients: readonly SyncClient[], name: string, opsPerClient: number) {
  const replicas = clients.map((c) => c.replica);
  const visibility = new Visibility(replicas, opsPerClient);
  const docs: MapDoc[] = clients.map((client, j) => {
    const doc = client.open(name, LWWMap);
    doc.onChange((origin) => {
      if (origin === 'remote') visibility.observe(j, doc.state);
    });
    return doc;
  });
  await until(`${name}: every client subscribed`, () => docs.every((d) => d.subscribed));
  return { docs, visibility };
}

/** Client `i`'s op `k`: a set of one of the shared keys. */
function write(doc: MapDoc, i: number, k: number): void {
  doc.update((s, { replica, clock }) =>
    LWWMap.set(s, replica, `k${(i * 7919 + k * 104_729) % KEYS}`, k, clock),
  );
}

/** Throws unless every client holds the same state; then closes the documents. */
function finish(docs: readonly MapDoc[], name: string): void {
  const first = docs[0]!.state;
  if (!docs.every((d) => LWWMap.equals(d.state, first))) throw new Error(`${name}: the clients differ`);
  for (const d of docs) d.close();
}

async function steady(clients: readonly SyncClient[], name: string) {
  const { docs, visibility } = await openAll(clients, name, ops);
  const periodMs = 1000 / rate;
  const start = performance.now() + 20;
  const writers = docs.map(
    (doc, i) =>
      new Promise<void>((resolve) => {
        let k = 0;
        const next = () => {
          write(doc, i, ++k);
          visibility.written(i, k);
          if (k === ops) return resolve();
          // Against the schedule, not the last write: late timers do not stretch the phase.
          setTimeout(next, start + (i / docs.length + k) * periodMs - performance.now());
        };
        setTimeout(next, start + (i / docs.length) * periodMs - performance.now());
      }),
  );
  await within(`${name}: writes`, Promise.all(writers));
  await within(`${name}: every op at every client`, visibility.done);
  finish(docs, name);
  return visibility.latencies();
}

async function closedLoop(clients: readonly SyncClient[], name: string) {
  const { docs, visibility } = await openAll(clients, name, ops);
  const start = performance.now();
  await within(
    `${name}: acknowledgements`,
    Promise.all(
      docs.map(async (doc, i) => {
        for (let k = 1; k <= ops; k++) {
          write(doc, i, k);
          visibility.written(i, k);
          await doc.synced();
        }
      }),
    ),
  );
  const opsPerSecond = (docs.length * ops) / ((performance.now() - start) / 1000);
  await within(`${name}: every op at every client`, visibility.done);
  finish(docs, name);
  return { opsPerSecond, latencies: visibility.latencies() };
}

const dir = mkdtempSync(join(tmpdir(), 'nlbd-bench-server-'));
const server = await startServer(dir);
const clients = Array.from({ length: clientCount }, (_, i) =>
  connect(server.url, { WebSocket, replica: `c${String(i).padStart(3, '0')}` }),
);
const report = {
  steady: { p50: [] as number[], p99: [] as number[] },
  closed: { opsPerSecond: [] as number[], p50: [] as number[], p99: [] as number[] },
  cpuPerOp: { server: [] as number[], clients: [] as number[] },
};
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
try {
  await until('every client connected', () => clients.every((c) => c.status === 'open'));
  for (let s = 0; s < warmup + samples; s++) {
    const [serverBefore, clientsBefore] = [await server.cpuMs(), ownCpuMs()];
    const steadyLatencies = await steady(clients, `steady-${s}`);
    const closed = await closedLoop(clients, `closed-${s}`);
    const [serverAfter, clientsAfter] = [await server.cpuMs(), ownCpuMs()];
    if (s < warmup) continue;
    const opsBoth = 2 * clients.length * ops;
    report.cpuPerOp.server.push((serverAfter - serverBefore) / opsBoth);
    report.cpuPerOp.clients.push((clientsAfter - clientsBefore) / opsBoth);
    report.steady.p50.push(quantile(steadyLatencies, 0.5));
    report.steady.p99.push(quantile(steadyLatencies, 0.99));
    report.closed.opsPerSecond.push(closed.opsPerSecond);
    report.closed.p50.push(quantile(closed.latencies, 0.5));
    report.closed.p99.push(quantile(closed.latencies, 0.99));
  }
} finally {
  for (const c of clients) c.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report satisfies ServerProbeReport));

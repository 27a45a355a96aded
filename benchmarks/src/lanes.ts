import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Adapter } from '@nlbd/adapters';
import type { RunConfig } from './config.js';
import { Course, type Stepper, type Timing } from './measure.js';
import type { Measured } from './result.js';
import type { Scenario, ScenarioRun } from './scenarios/index.js';

/** Where a lane's run of a scenario has come to: a body to time, or its end and metrics. */
export type LaneStep = { readonly done: false } | { readonly done: true; readonly measured: Measured[] };

/**
 * One adapter's run of one scenario, stepped by the runner: started, then for each body it
 * yields, warmed up and sampled ({@link Stepper}, side by side with the other lanes), then moved
 * on to its next body, until it ends with its metrics.
 */
export interface Lane extends Stepper {
  readonly adapter: string;
  /** Resolves once the lane can start (a worker has loaded the libraries). */
  ready(): Promise<void>;
  start(): Promise<LaneStep>;
  /** Hands the body's samples to the run; its next body or its end. */
  next(): Promise<LaneStep>;
}

/** A lane in this isolate, sharing its heap with every other lane here. */
export class LocalLane implements Lane {
  #run: ScenarioRun | undefined;
  #course: Course | undefined;

  constructor(
    readonly scenario: Scenario,
    readonly adapterImpl: Adapter,
    readonly config: RunConfig,
  ) {}

  get adapter(): string {
    return this.adapterImpl.name;
  }

  async ready(): Promise<void> {}

  async start(): Promise<LaneStep> {
    const run = this.scenario.run(this.adapterImpl, this.config);
    if (Array.isArray(run)) return { done: true, measured: run };
    this.#run = run;
    return this.#step(run.next());
  }

  warmUp(): void {
    this.#body().warmUp();
  }

  sample(): boolean {
    return this.#body().sample();
  }

  async next(): Promise<LaneStep> {
    if (this.#run === undefined) throw new Error(`${this.adapter}: next() before start()`);
    return this.#step(this.#run.next(this.#body().timed()));
  }

  #body(): Course {
    if (this.#course === undefined) throw new Error(`${this.adapter}: no body to time`);
    return this.#course;
  }

  #step(step: IteratorResult<Timing, Measured[]>): LaneStep {
    if (step.done) {
      this.#course = undefined;
      return { done: true, measured: step.value };
    }
    this.#course = new Course(step.value, this.config.repetitions);
    return { done: false };
  }
}

/** How an {@link AdapterWorker} is started: its adapter, and the tsconfig tsx compiles it with. */
export interface WorkerSpec {
  readonly adapter: string;
  readonly tsconfig: string;
  /** The CPU to bind the worker's thread to (see affinity.ts), if any. */
  readonly cpu?: number;
}

/** A worker's first message: loaded, and bound to `cpu` if it was asked to and could be. */
export interface WorkerReady {
  readonly ready: true;
  readonly cpu?: number;
}

/** A call to an {@link AdapterWorker}'s lane: `start` a scenario's run, or step the one started. */
export type LaneCall =
  | { readonly op: 'start'; readonly scenario: string; readonly config: RunConfig }
  | { readonly op: 'warmUp' | 'sample' | 'next' };

/** A worker's answer: the call's value, or what it threw. */
export type LaneReply = { readonly value: unknown } | { readonly error: string };

const host = new URL('./lane-host.ts', import.meta.url).href;

/**
 * tsx's ESM API, which a worker registers before it imports the lane host (a worker does not
 * inherit the `--import tsx` of its process). Under a test runner that has no `import.meta.resolve`,
 * found by `require.resolve`, whose CommonJS entry sits beside the ESM one.
 */
function tsxApi(): string {
  const meta = import.meta as ImportMeta & { resolve?: (specifier: string) => string };
  if (typeof meta.resolve === 'function') return meta.resolve('tsx/esm/api');
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
}

/**
 * The tsconfig a worker compiles with: `TSX_TSCONFIG_PATH` as the bench sets it (no path aliases,
 * so the packages load from dist/), else the benchmarks' own (aliases to the sources, for tests).
 */
function laneTsconfig(): string {
  const set = process.env.TSX_TSCONFIG_PATH;
  return set ? resolve(set) : fileURLToPath(new URL('../tsconfig.json', import.meta.url));
}

/** What a call cut off by its lane's time limit (`RunConfig.laneTimeoutMs`) rejects with. */
export class OutOfTime extends Error {
  override name = 'OutOfTime';
}

/**
 * A worker thread that runs one adapter's lanes, one scenario after another: an isolate with its
 * own heap, so the library pays for its own garbage and nothing else's. In one shared isolate, a
 * collection falls on whichever library allocates when it is due, whoever made the garbage, and
 * WebAssembly peers' linear memory (V8 external memory) starts marking cycles for every library
 * in it; the ratios then depend on which other adapters run.
 */
export class AdapterWorker {
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  #pending: { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;
  /** The scenario last started, which errors name. */
  #scenario = 'no scenario yet';
  #cpu: number | undefined;

  /** A worker for `adapter`'s lanes, its thread bound to CPU `cpu` if given and possible. */
  constructor(
    readonly adapter: string,
    cpu?: number,
  ) {
    const spec: WorkerSpec = { adapter, tsconfig: laneTsconfig(), ...(cpu === undefined ? {} : { cpu }) };
    const boot =
      `import(${JSON.stringify(tsxApi())})` +
      `.then(({ register }) => { register({ tsconfig: ${JSON.stringify(spec.tsconfig)} }); return import(${JSON.stringify(host)}); })`;
    this.#worker = new Worker(boot, { eval: true, workerData: spec });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#pending = { resolve: () => resolve(), reject };
    });
    this.#worker.on('message', (reply: LaneReply | WorkerReady) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if ('ready' in reply) {
        this.#cpu = reply.cpu;
        pending?.resolve(undefined);
      } else if ('error' in reply)
        pending?.reject(new Error(`${adapter} (${this.#scenario}, in its worker): ${reply.error}`));
      else pending?.resolve(reply.value);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      this.#pending?.reject(error);
      this.#pending = undefined;
    };
    this.#worker.on('error', (e) => fail(new Error(`${adapter}: its worker failed: ${e.message}`)));
    this.#worker.on('exit', (code) => fail(new Error(`${adapter}: its worker exited (${code})`)));
  }

  /** Resolves once the worker has loaded the libraries. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** The CPU the worker's thread is bound to, once ready (undefined: none). */
  get cpu(): number | undefined {
    return this.#cpu;
  }

  /**
   * Sends `call` to the worker's lane; its value. One call at a time. Past `timeoutMs` the worker
   * is stopped, and this call and every later one reject.
   */
  call(call: LaneCall, timeoutMs?: number): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#pending)
      return Promise.reject(new Error(`${this.adapter}: ${call.op} while a call is pending`));
    if (call.op === 'start') this.#scenario = call.scenario;
    const answer = new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(call);
    });
    if (timeoutMs === undefined) return answer;
    const timer = setTimeout(() => {
      const error = new OutOfTime(
        `${this.adapter} (${this.#scenario}): out of time in ${call.op}; its worker was stopped`,
      );
      this.#failure ??= error;
      this.#pending?.reject(error);
      this.#pending = undefined;
      void this.#worker.terminate();
    }, timeoutMs);
    return answer.finally(() => clearTimeout(timer));
  }

  /** Stops the worker; any later call is refused. */
  async close(): Promise<void> {
    this.#failure ??= new Error(`${this.adapter}: its worker is closed`);
    this.#pending = undefined;
    await this.#worker.terminate();
  }
}

/** A lane of one scenario in an {@link AdapterWorker}. */
export class WorkerLane implements Lane {
  constructor(
    readonly worker: AdapterWorker,
    readonly scenario: string,
    readonly config: RunConfig,
  ) {}

  get adapter(): string {
    return this.worker.adapter;
  }

  ready(): Promise<void> {
    return this.worker.ready();
  }

  start(): Promise<LaneStep> {
    return this.#call({ op: 'start', scenario: this.scenario, config: this.config }) as Promise<LaneStep>;
  }

  async warmUp(): Promise<void> {
    await this.#call({ op: 'warmUp' });
  }

  sample(): Promise<boolean> {
    return this.#call({ op: 'sample' }) as Promise<boolean>;
  }

  next(): Promise<LaneStep> {
    return this.#call({ op: 'next' }) as Promise<LaneStep>;
  }

  /** The time this lane's calls have taken so far (ms): what `laneTimeoutMs` bounds. */
  #spent = 0;

  /** `call` in the worker, within what is left of the lane's time limit, if it has one. */
  async #call(call: LaneCall): Promise<unknown> {
    const limit = this.config.laneTimeoutMs;
    const begin = performance.now();
    try {
      return await this.worker.call(call, limit === undefined ? undefined : Math.max(1, limit - this.#spent));
    } finally {
      this.#spent += performance.now() - begin;
    }
  }
}

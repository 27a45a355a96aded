import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measured } from '../result.js';
import { summarize } from '../stats.js';
import type { Scenario } from './scenario.js';

/** What `server-probe.ts` prints: per sample, the figures of its two phases. */
export interface ServerProbeReport {
  /** Latency quantiles (ms) from an op's write to its arrival at the last other client, at a steady rate. */
  readonly steady: { readonly p50: readonly number[]; readonly p99: readonly number[] };
  /** Ops acknowledged per second with one op in flight per client, and the latency quantiles then. */
  readonly closed: {
    readonly opsPerSecond: readonly number[];
    readonly p50: readonly number[];
    readonly p99: readonly number[];
  };
  /** CPU time (ms) per op over both phases, of the server process and of the process of all clients. */
  readonly cpuPerOp: { readonly server: readonly number[]; readonly clients: readonly number[] };
}

const probe = fileURLToPath(new URL('../server-probe.ts', import.meta.url));

/** Runs the probe against a server storing in `storage`; the metrics, named for it. */
function measure(storage: 'sqlite' | 'memory', { sizes, repetitions }: Parameters<Scenario['run']>[1]) {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      probe,
      storage,
      String(sizes.serverClients),
      String(sizes.serverOps),
      String(sizes.serverRate),
      String(repetitions.warmup),
      String(repetitions.samples),
    ],
    {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const report = JSON.parse(output) as ServerProbeReport;
  const steady = `steady ${sizes.serverClients * sizes.serverRate} ops/s`;
  const measured: Measured[] = [
    {
      metric: `${storage}: acked ops/s, closed loop`,
      unit: 'ops/s',
      stats: summarize(report.closed.opsPerSecond),
    },
    { metric: `${storage}: p50 to all, ${steady}`, unit: 'ms', stats: summarize(report.steady.p50) },
    { metric: `${storage}: p99 to all, ${steady}`, unit: 'ms', stats: summarize(report.steady.p99) },
    { metric: `${storage}: p50 to all, closed loop`, unit: 'ms', stats: summarize(report.closed.p50) },
    { metric: `${storage}: p99 to all, closed loop`, unit: 'ms', stats: summarize(report.closed.p99) },
    { metric: `${storage}: server CPU per op`, unit: 'ms', stats: summarize(report.cpuPerOp.server) },
    { metric: `${storage}: all clients' CPU per op`, unit: 'ms', stats: summarize(report.cpuPerOp.clients) },
  ];
  return measured;
}

/**
 * Scenario 9: a `@nlbd/net` sync server on loopback, in its own process, with many clients in
 * another (so the server has a core of its own on a 2-core machine). nlbd only: the other
 * libraries have no server here.
 */
export const server: Scenario = {
  id: 'server',
  number: 9,
  title: 'Sync server',
  measures:
    'clients on loopback write a shared LWW-Map through one sync server process (SQLite FULL or in memory): ' +
    'ops/s acknowledged with one op in flight per client, and ms from a write until every other client has it ' +
    '(p50, p99 per sample), at a steady rate and in the closed loop; CPU time per op of the server and of all clients',
  adapters: ['nlbd'],
  run(_adapter, config) {
    return [...measure('sqlite', config), ...measure('memory', config)];
  },
};

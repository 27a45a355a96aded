/**
 * The `nlbd` command line: `nlbd simulate` runs leaderless sync protocols side by side in the
 * deterministic network simulator and writes a summary CSV, a JSONL trace, `meta.json` and SVG charts;
 * `nlbd serve` runs a WebSocket sync server (`@nlbd/net`) on a SQLite file (`@nlbd/store`);
 * `nlbd store list` and `nlbd store delete` show and remove the documents of such a file.
 * @module @nlbd/cli
 */
export { type ChartSpec, lineChart, renderSvg } from './charts.js';
export { parseCrash, parseLatency, parsePartition, parseTopology, parseVary } from './parse.js';
export { createProgram, main, progressBar } from './program.js';
export {
  firstSignal,
  parseLimits,
  type RunningServe,
  readTokensFile,
  type ServeOptions,
  startServe,
  tokenAuthenticator,
} from './serve.js';
export {
  applyPoint,
  PROTOCOLS,
  type ProtocolRun,
  runExperiment,
  SIMULATE_TYPES,
  SWEEP_PARAMS,
  type SweepAxis,
  type SweepParam,
  summaryCsv,
  sweepPoints,
  traceJsonl,
  writeExperiment,
} from './simulate.js';
export { listStored, removeStored, type StoredDocumentRow, storedTable } from './store.js';

/**
 * The `nlbd` command line: `nlbd simulate` runs leaderless sync protocols side by side in the
 * deterministic network simulator and writes a summary CSV, a JSONL trace, `meta.json` and SVG charts.
 * @module @nlbd/cli
 */
export { type ChartSpec, lineChart, renderSvg } from './charts.js';
export { parseCrash, parseLatency, parsePartition, parseTopology } from './parse.js';
export { createProgram, main } from './program.js';
export {
  PROTOCOLS,
  type ProtocolRun,
  runExperiment,
  SIMULATE_TYPES,
  summaryCsv,
  traceJsonl,
  writeExperiment,
} from './simulate.js';

/**
 * One workload interface over plain JS, nlbd, Yjs, Automerge and Loro, so the same operations
 * run on each and their merge speed, update sizes and semantics can be compared side by side.
 * @module @nlbd/adapters
 */
export { automergeAdapter } from './automerge.js';
export {
  type ComparisonScenario,
  comparisonScenarios,
  converged,
  type Outcome,
  pull,
  renderComparison,
  runComparison,
  syncPair,
} from './comparison.js';
export { loroAdapter } from './loro.js';
export { nlbdAdapterCompressed, nlbdAdapterPlain } from './nlbd.js';
export { plainAdapter } from './plain.js';
export { adapterByName, adapters } from './registry.js';
export {
  type Adapter,
  assertWorkloadId,
  type ReplicaOptions,
  replicaNumber,
  type Scalar,
  type WorkloadReplica,
  type WorkloadValue,
} from './workload.js';
export { type YjsEncoding, yjsAdapterV1, yjsAdapterV2 } from './yjs.js';

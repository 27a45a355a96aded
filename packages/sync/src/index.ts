/**
 * Sync without a leader: a {@link SyncNode} keeps one replica converged with its peers over any
 * {@link Transport} by delta anti-entropy and digest gossip, and {@link simulate} runs many of
 * them in a deterministic network simulator with faults and metrics.
 * @module @nlbd/sync
 */
export type { EncodedMessage, MessageCodec, SyncMessage, SyncMessageKind } from './messages.js';
export { Random } from './random.js';
export {
  buildTopology,
  type CrashSpec,
  type LatencyModel,
  type LinkOptions,
  type PartitionSpec,
  type RoundTrace,
  type ScenarioOptions,
  type SimulationResult,
  type SimulationSummary,
  simulate,
  type Topology,
} from './simulator.js';
export { lacks, type Protocols, SyncNode, type SyncNodeOptions, type SyncStats } from './sync-node.js';
export type { PeerEvent, PeerId, Transport } from './transport.js';
export { type SyncCodec, syncCodec } from './wire.js';
export { WORKLOAD_TYPES, type Workload, type WorkloadOptions, workloadFor } from './workload.js';

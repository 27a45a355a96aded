import { HybridLogicalClock, ValidationError } from '@nlbd/core';
import type { MessageCodec, SyncMessageKind } from './messages.js';
import { Random } from './random.js';
import { type Protocols, SyncNode } from './sync-node.js';
import type { PeerEvent, PeerId, Transport } from './transport.js';
import { type Workload, type WorkloadOptions, workloadFor } from './workload.js';

/** How long a message takes on a link, in virtual milliseconds. */
export type LatencyModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly stddev: number }
  | { readonly kind: 'exponential'; readonly mean: number };

/** What every link does to messages. Probabilities are in [0, 1]. */
export interface LinkOptions {
  readonly latency: LatencyModel;
  /** Probability a message is lost. */
  readonly loss: number;
  /** Probability a message is delivered twice. */
  readonly duplicate: number;
  /** Probability a message is held back by up to `reorderMs` more, so later ones overtake it. */
  readonly reorder: number;
  readonly reorderMs: number;
  /**
   * Probability a message is followed by a malformed copy (cut short at a random byte), as from
   * a buggy or hostile sender; receivers must count and drop it. Default 0.
   */
  readonly malformed?: number;
}

/** Who can reach whom. `regular` is a connected graph where every node has about `degree` links. */
export type Topology =
  | { readonly kind: 'full' }
  | { readonly kind: 'ring' }
  | { readonly kind: 'regular'; readonly degree: number };

/** From round `at` until round `heal`, only nodes within one group reach each other. */
export interface PartitionSpec {
  readonly at: number;
  readonly heal: number;
  /** Node indexes per side; nodes in no group form one more side together. */
  readonly groups: readonly (readonly number[])[];
}

/**
 * Node `node` crashes at round `at` and, if `restart` is set, comes back then: with its state
 * (`keepState`), or empty under a new replica id (a replica that lost its state must never reuse
 * its old dots). Buffers and acks are volatile and are lost either way.
 */
export interface CrashSpec {
  readonly node: number;
  readonly at: number;
  readonly restart?: number;
  readonly keepState: boolean;
}

/** One simulated experiment. Everything random derives from `seed`. */
export interface ScenarioOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly topology: Topology;
  /** Virtual milliseconds per round (default 100). */
  readonly roundMs?: number;
  readonly link: LinkOptions;
  readonly partitions?: readonly PartitionSpec[];
  readonly crashes?: readonly CrashSpec[];
  readonly workload: WorkloadOptions;
  readonly protocols: Partial<Protocols>;
  readonly fanout?: number;
  /** Give up after this many rounds (default 1,000). */
  readonly maxRounds?: number;
  /** Rounds to keep running after convergence, to observe quiescence (default 5). */
  readonly quiesceRounds?: number;
}

/** One line of the per-round trace. Byte-identical for the same options. */
export interface RoundTrace {
  readonly round: number;
  readonly time: number;
  /** Fraction of live nodes whose state equals the join of all live states. */
  readonly converged: number;
  readonly live: number;
  readonly messages: number;
  readonly bytes: number;
  readonly payloadBytes: number;
  readonly metadataBytes: number;
  readonly bufferedDeltas: number;
  /** Messages sent in the round, by kind. */
  readonly sentByKind: Record<SyncMessageKind, number>;
}

/** What a run measured. `mergeCpuMs` is wall-clock and the only field that varies between runs. */
export interface SimulationSummary {
  readonly converged: boolean;
  /** The first round after the last op, partition heal and restart at which all live nodes were equal. */
  readonly roundsToConverge: number | null;
  readonly timeToConvergeMs: number | null;
  readonly rounds: number;
  readonly messages: number;
  readonly bytes: number;
  readonly payloadBytes: number;
  readonly metadataBytes: number;
  readonly malformed: number;
  readonly maxBufferedDeltas: number;
  readonly meanStateBytes: number;
  readonly maxStateBytes: number;
  /**
   * Rounds after convergence until the system is quiet: from then to the end of the run, only
   * digests are sent (deltas still buffered at convergence travel as far as the graph's diameter
   * and are acked first). `null` if the run ended before that.
   */
  readonly roundsToQuiesce: number | null;
  /** Messages sent, by kind, from convergence to the end of the run. */
  readonly quiescentByKind: Record<SyncMessageKind, number>;
  readonly mergeCpuMs: number;
}

/** The trace and summary of a run. */
export interface SimulationResult {
  readonly trace: RoundTrace[];
  readonly summary: SimulationSummary;
}

interface Pending {
  readonly time: number;
  readonly order: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: Uint8Array;
}

/** A binary min-heap of pending deliveries by (time, order): deterministic tie-breaking. */
class DeliveryQueue {
  readonly #heap: Pending[] = [];
  get size(): number {
    return this.#heap.length;
  }
  peek(): Pending | undefined {
    return this.#heap[0];
  }
  push(p: Pending): void {
    const h = this.#heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as Pending, h[parent] as Pending)) break;
      [h[i], h[parent]] = [h[parent] as Pending, h[i] as Pending];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Pending, h[m] as Pending)) m = l;
        if (r < h.length && before(h[r] as Pending, h[m] as Pending)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Pending, h[i] as Pending];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: Pending, b: Pending) => a.time < b.time || (a.time === b.time && a.order < b.order);

/** The neighbour lists of a topology over `n` nodes. Deterministic for a seed. */
export function buildTopology(topology: Topology, n: number, random: Random): number[][] {
  const adj = Array.from({ length: n }, () => new Set<number>());
  const link = (a: number, b: number) => {
    if (a === b) return;
    adj[a]?.add(b);
    adj[b]?.add(a);
  };
  if (topology.kind === 'full') {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) link(a, b);
  } else {
    for (let a = 0; a < n; a++) link(a, (a + 1) % n);
    if (topology.kind === 'regular') {
      const degree = Math.min(topology.degree, n - 1);
      for (let a = 0; a < n; a++) {
        for (let tries = 0; (adj[a]?.size ?? 0) < degree && tries < 10 * n; tries++) {
          const b = random.int(n);
          if ((adj[b]?.size ?? 0) < degree) link(a, b);
        }
      }
    }
  }
  return adj.map((s) => [...s].sort((x, y) => x - y));
}

function latency(model: LatencyModel, random: Random): number {
  switch (model.kind) {
    case 'fixed':
      return model.ms;
    case 'uniform':
      return model.min + random.next() * (model.max - model.min);
    case 'normal':
      return Math.max(0, random.normal(model.mean, model.stddev));
    case 'exponential':
      return random.exponential(model.mean);
  }
}

function checkOptions(o: ScenarioOptions): void {
  if (!Number.isSafeInteger(o.nodes) || o.nodes < 1 || o.nodes > 10_000) {
    throw new ValidationError(`must be an integer in 1..10000, got ${o.nodes}`, 'nodes');
  }
  for (const p of ['loss', 'duplicate', 'reorder', 'malformed'] as const) {
    const v = o.link[p] ?? 0;
    if (!(v >= 0 && v < 1))
      throw new ValidationError(`must be a probability in [0, 1), got ${v}`, `link.${p}`);
  }
  for (const c of o.crashes ?? []) {
    if (!(c.node >= 0 && c.node < o.nodes)) throw new ValidationError(`no node ${c.node}`, 'crashes.node');
  }
}

class SimTransport implements Transport {
  readonly #messageHandlers = new Set<(from: PeerId, bytes: Uint8Array) => void>();
  readonly #peerHandlers = new Set<(event: PeerEvent) => void>();
  constructor(
    readonly self: PeerId,
    readonly neighbours: readonly PeerId[],
    readonly post: (to: PeerId, bytes: Uint8Array) => void,
  ) {}
  peers(): readonly PeerId[] {
    return this.neighbours;
  }
  send(peer: PeerId, bytes: Uint8Array): void {
    this.post(peer, bytes);
  }
  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void {
    this.#messageHandlers.add(handler);
    return () => this.#messageHandlers.delete(handler);
  }
  onPeer(handler: (event: PeerEvent) => void): () => void {
    this.#peerHandlers.add(handler);
    return () => this.#peerHandlers.delete(handler);
  }
  deliver(from: PeerId, bytes: Uint8Array): void {
    for (const h of this.#messageHandlers) h(from, bytes);
  }
  peerEvent(event: PeerEvent): void {
    for (const h of this.#peerHandlers) h(event);
  }
}

interface SimNode {
  readonly name: PeerId;
  replica: string;
  incarnation: number;
  alive: boolean;
  node: SyncNode<unknown, unknown>;
  transport: SimTransport;
  clock: HybridLogicalClock;
  /** Traffic of earlier incarnations, so totals survive restarts. */
  retired: { messages: number; bytes: number; payload: number; malformed: number };
}

/**
 * Runs one scenario in virtual time and returns its per-round trace and summary. Deterministic:
 * the same options (seed included) give a byte-identical trace.
 * @example
 * const { summary } = simulate({ seed: 1, nodes: 20, topology: { kind: 'regular', degree: 4 },
 *   link: { latency: { kind: 'fixed', ms: 20 }, loss: 0.1, duplicate: 0, reorder: 0, reorderMs: 0 },
 *   workload: { type: 'lwwmap', opsPerRound: 10, rounds: 20, keys: 100 },
 *   protocols: { delta: true, digest: true } }, (crdt) => syncCodec(crdt));
 */
export function simulate(
  options: ScenarioOptions,
  codecFor: (crdt: Workload<unknown>['crdt']) => MessageCodec<unknown> & { sizeOf(state: unknown): number },
  onRound?: (trace: RoundTrace) => void,
): SimulationResult {
  checkOptions(options);
  const random = new Random(options.seed);
  const roundMs = options.roundMs ?? 100;
  const maxRounds = options.maxRounds ?? 1000;
  const quiesceRounds = options.quiesceRounds ?? 5;
  const workload = workloadFor(options.workload);
  const { crdt } = workload;
  const codec = codecFor(crdt);
  const adjacency = buildTopology(options.topology, options.nodes, random);
  const names = adjacency.map((_, i) => `n${i}`);
  const queue = new DeliveryQueue();
  let now = 0;
  let order = 0;
  let mergeCpuMs = 0;

  // Which side of every active partition a node is on; nodes on different sides cannot talk.
  const sideOf = (round: number): ((i: number) => string) | undefined => {
    const active = (options.partitions ?? []).filter((p) => round >= p.at && round < p.heal);
    if (active.length === 0) return undefined;
    return (i) => active.map((p) => p.groups.findIndex((g) => g.includes(i))).join(',');
  };
  let side: ((i: number) => string) | undefined;

  const initial = crdt.empty();
  if ((options.workload.prefill ?? 0) > 0) {
    const clock = new HybridLogicalClock('prefill', {
      now: () => 0,
      maxForwardSkewMs: Number.MAX_SAFE_INTEGER,
    });
    for (let k = 0; k < (options.workload.prefill ?? 0); k++) {
      crdt.joinInto(initial, workload.op(initial, 'prefill', clock, random));
    }
  }

  const nodes: SimNode[] = [];
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const post = (from: number) => (to: PeerId, bytes: Uint8Array) => {
    const target = indexOf.get(to);
    if (target === undefined || random.chance(options.link.loss)) return;
    const send = (payload: Uint8Array) => {
      let delay = latency(options.link.latency, random);
      if (random.chance(options.link.reorder)) delay += random.next() * options.link.reorderMs;
      queue.push({ time: now + delay, order: order++, from, to: target, bytes: payload });
    };
    const copies = random.chance(options.link.duplicate) ? 2 : 1;
    for (let k = 0; k < copies; k++) send(bytes);
    if (random.chance(options.link.malformed ?? 0)) send(bytes.subarray(0, random.int(bytes.length)));
  };
  const spawn = (i: number, state: unknown, incarnation: number): SimNode['node'] => {
    const name = names[i] as PeerId;
    const transport = new SimTransport(
      name,
      (adjacency[i] ?? []).map((j) => names[j] as PeerId),
      post(i),
    );
    const sim = nodes[i];
    if (sim) sim.transport = transport;
    return new SyncNode({
      crdt,
      transport,
      codec,
      ...(state === undefined ? {} : { state }),
      protocols: options.protocols,
      fanout: options.fanout ?? 3,
      seed: (options.seed * 1_000_003 + i * 7919 + incarnation) >>> 0,
    });
  };
  for (let i = 0; i < options.nodes; i++) {
    const name = names[i] as PeerId;
    const sim: SimNode = {
      name,
      replica: name,
      incarnation: 0,
      alive: true,
      node: undefined as unknown as SimNode['node'],
      transport: undefined as unknown as SimTransport,
      clock: new HybridLogicalClock(name, { now: () => now, maxForwardSkewMs: Number.MAX_SAFE_INTEGER }),
      retired: { messages: 0, bytes: 0, payload: 0, malformed: 0 },
    };
    nodes.push(sim);
    sim.node = spawn(i, initial, 0);
  }

  const totals = () => {
    let messages = 0;
    let bytes = 0;
    let payload = 0;
    let malformed = 0;
    for (const n of nodes) {
      messages += n.node.stats.messagesSent + n.retired.messages;
      bytes += n.node.stats.bytesSent + n.retired.bytes;
      payload += n.node.stats.payloadBytesSent + n.retired.payload;
      malformed += n.node.stats.malformed + n.retired.malformed;
    }
    return { messages, bytes, payload, malformed };
  };
  const byKind = () => {
    const out: Record<SyncMessageKind, number> = { delta: 0, ack: 0, digest: 0, since: 0, state: 0 };
    for (const n of nodes)
      for (const [k, v] of Object.entries(n.node.stats.sentByKind)) out[k as SyncMessageKind] += v;
    return out;
  };
  const announce = (i: number, type: PeerEvent['type']) => {
    for (const j of adjacency[i] ?? []) nodes[j]?.transport.peerEvent({ type, peer: names[i] as PeerId });
  };

  const lastDisturbance = Math.max(
    options.workload.rounds,
    ...(options.partitions ?? []).map((p) => p.heal),
    ...(options.crashes ?? []).map((c) => c.restart ?? c.at),
  );
  const trace: RoundTrace[] = [];
  let convergedAt: number | null = null;
  let quiescentFrom: Record<SyncMessageKind, number> | undefined;
  let maxBuffered = 0;
  let previousTotals = totals();
  let previousKinds = byKind();
  let round = 0;
  for (; round < maxRounds; round++) {
    now = round * roundMs;
    side = sideOf(round);
    for (const c of options.crashes ?? []) {
      const sim = nodes[c.node] as SimNode;
      if (c.at === round && sim.alive) {
        sim.alive = false;
        announce(c.node, 'leave');
      }
      if (c.restart === round && !sim.alive) {
        const s = sim.node.stats;
        sim.retired = {
          messages: sim.retired.messages + s.messagesSent,
          bytes: sim.retired.bytes + s.bytesSent,
          payload: sim.retired.payload + s.payloadBytesSent,
          malformed: sim.retired.malformed + s.malformed,
        };
        sim.incarnation++;
        const kept = c.keepState ? crdt.clone(sim.node.state) : undefined;
        if (!c.keepState) {
          sim.replica = `${sim.name}~${sim.incarnation}`;
          sim.clock = new HybridLogicalClock(sim.replica, {
            now: () => now,
            maxForwardSkewMs: Number.MAX_SAFE_INTEGER,
          });
        }
        sim.node.close();
        sim.node = spawn(c.node, kept, sim.incarnation);
        sim.alive = true;
        announce(c.node, 'join');
      }
    }
    const live = nodes.filter((n) => n.alive);
    if (round < options.workload.rounds && live.length > 0) {
      for (let k = 0; k < options.workload.opsPerRound; k++) {
        const sim = live[random.int(live.length)] as SimNode;
        sim.node.update((s) => workload.op(s, sim.replica, sim.clock, random));
      }
    }
    for (const sim of live) sim.node.tick();
    const end = now + roundMs;
    while ((queue.peek()?.time ?? Number.POSITIVE_INFINITY) < end) {
      const p = queue.pop() as Pending;
      now = p.time;
      const target = nodes[p.to] as SimNode;
      if (!target.alive) continue;
      if (side !== undefined && side(p.from) !== side(p.to)) continue;
      const t0 = performance.now();
      target.transport.deliver(names[p.from] as PeerId, p.bytes);
      mergeCpuMs += performance.now() - t0;
    }
    now = end;

    const target = crdt.empty();
    for (const sim of live) crdt.joinInto(target, sim.node.state);
    const equal = live.filter((sim) => crdt.equals(sim.node.state, target)).length;
    const t = totals();
    const buffered = nodes.reduce((sum, n) => sum + n.node.bufferedDeltas, 0);
    maxBuffered = Math.max(maxBuffered, buffered);
    const line: RoundTrace = {
      round,
      time: end,
      converged: live.length === 0 ? 1 : equal / live.length,
      live: live.length,
      messages: t.messages - previousTotals.messages,
      bytes: t.bytes - previousTotals.bytes,
      payloadBytes: t.payload - previousTotals.payload,
      metadataBytes: t.bytes - t.payload - (previousTotals.bytes - previousTotals.payload),
      bufferedDeltas: buffered,
      sentByKind: kindsSince(previousKinds, (previousKinds = byKind())),
    };
    previousTotals = t;
    trace.push(line);
    onRound?.(line);
    if (convergedAt === null && round >= lastDisturbance && equal === live.length) {
      convergedAt = round;
      quiescentFrom = previousKinds;
    }

    if (convergedAt !== null && round >= convergedAt + quiesceRounds) break;
  }

  const t = totals();
  const sizes = nodes.filter((n) => n.alive).map((n) => codec.sizeOf(n.node.state));
  const endKinds = byKind();
  const quiescentByKind = kindsSince(quiescentFrom ?? endKinds, endKinds);
  let quietFrom = trace.length;
  while (quietFrom > 0 && onlyDigests((trace[quietFrom - 1] as RoundTrace).sentByKind)) quietFrom--;
  return {
    trace,
    summary: {
      converged: convergedAt !== null,
      roundsToConverge: convergedAt === null ? null : convergedAt - lastDisturbance,
      timeToConvergeMs: convergedAt === null ? null : (convergedAt + 1) * roundMs,
      rounds: Math.min(round + 1, maxRounds),
      messages: t.messages,
      bytes: t.bytes,
      payloadBytes: t.payload,
      metadataBytes: t.bytes - t.payload,
      malformed: t.malformed,
      maxBufferedDeltas: maxBuffered,
      meanStateBytes: sizes.length === 0 ? 0 : sizes.reduce((a, b) => a + b, 0) / sizes.length,
      maxStateBytes: sizes.length === 0 ? 0 : Math.max(...sizes),
      roundsToQuiesce:
        convergedAt === null || quietFrom === trace.length ? null : Math.max(0, quietFrom - convergedAt),
      quiescentByKind,
      mergeCpuMs,
    },
  };
}

function kindsSince(
  before: Record<SyncMessageKind, number>,
  after: Record<SyncMessageKind, number>,
): Record<SyncMessageKind, number> {
  const out = { ...after };
  for (const k of Object.keys(out) as SyncMessageKind[]) out[k] -= before[k];
  return out;
}

function onlyDigests(kinds: Record<SyncMessageKind, number>): boolean {
  return kinds.delta + kinds.ack + kinds.since + kinds.state === 0;
}

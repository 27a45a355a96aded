import { encode, type MessageReader, type MessageType, registerMessage } from '@nlbd/codec';
import { type Crdt, DecodeError } from '@nlbd/core';
import type { EncodedMessage, MessageCodec, SyncMessage } from './messages.js';

/** A {@link MessageCodec} on `@nlbd/codec` that can also measure a state's encoded size. */
export interface SyncCodec<S> extends MessageCodec<S> {
  /** Bytes of `state` encoded alone (the state-size metric). */
  sizeOf(state: S): number;
}

type Registered = MessageType<SyncMessage<unknown>>;

/** One registered message kind per CRDT type: `nlbd.sync/<type>` (the codec registry is global). */
const registered = new Map<string, Registered>();

function register<S>(crdt: Crdt<S, unknown>): Registered {
  const kind = `nlbd.sync/${crdt.type}`;
  const known = registered.get(kind);
  if (known !== undefined) return known;
  const type = registerMessage<SyncMessage<S>>(kind, {
    encode(m, w) {
      switch (m.kind) {
        case 'delta':
          return [0, m.seq, w.state(crdt, m.delta)];
        case 'ack':
          return [1, m.seq];
        case 'digest':
          return [2, w.digest(m.digest), m.reply, m.confirm];
        case 'since':
          return [3, w.state(crdt, m.delta)];
        case 'state':
          return [4, w.state(crdt, m.state)];
      }
    },
    decode(data, r) {
      const a = r.array(data, 'sync');
      const arity = (n: number) => {
        if (a.length !== n) r.fail(`expected ${n} fields, got ${a.length}`, 'sync');
      };
      switch (a[0]) {
        case 0:
          arity(3);
          return {
            kind: 'delta',
            seq: r.count(a[1], 'sync.seq', 1),
            delta: r.state(crdt, a[2], 'sync.delta'),
          };
        case 1:
          arity(2);
          return { kind: 'ack', seq: r.count(a[1], 'sync.seq', 1) };
        case 2:
          arity(4);
          return {
            kind: 'digest',
            digest: r.digest(a[1], 'sync.digest'),
            reply: flag(a[2], 'sync.reply', r),
            confirm: flag(a[3], 'sync.confirm', r),
          };
        case 3:
          arity(2);
          return { kind: 'since', delta: r.state(crdt, a[1], 'sync.delta') };
        case 4:
          arity(2);
          return { kind: 'state', state: r.state(crdt, a[1], 'sync.state') };
        default:
          return r.fail(`unknown sync message tag ${String(a[0])}`, 'sync[0]');
      }
    },
  });
  registered.set(kind, type as Registered);
  return type as Registered;
}

function flag(x: unknown, path: string, r: MessageReader): boolean {
  return typeof x === 'boolean' ? x : r.fail('must be a boolean', path);
}

/** The state carried by a message, if any. */
function carried<S>(m: SyncMessage<S>): S | undefined {
  if (m.kind === 'delta' || m.kind === 'since') return m.delta;
  if (m.kind === 'state') return m.state;
  return undefined;
}

/**
 * The wire codec of {@link SyncMessage}s for `crdt`, on `@nlbd/codec` messages (kind
 * `nlbd.sync/<type>`): replica ids interned once per message, states in their columnar layout,
 * strict decoding (anything malformed is a `DecodeError`, and a decoded state is validated).
 * `payloadBytes` of an encoded message is its size minus the size of the same message carrying
 * bottom, i.e. what the state or delta added; digests, acks and envelopes are metadata.
 * @example
 * const codec = syncCodec(ORSet);
 * const { bytes } = codec.encode({ kind: 'ack', seq: 3 });
 * codec.decode(bytes); // { kind: 'ack', seq: 3 }
 */
export function syncCodec<S>(crdt: Crdt<S, unknown>): SyncCodec<S> {
  const type = register(crdt) as MessageType<SyncMessage<S>>;
  const bottom = crdt.empty();
  let emptyOverhead: Map<SyncMessage<S>['kind'], number> | undefined;
  const overhead = (m: SyncMessage<S>): number => {
    emptyOverhead ??= new Map([
      ['delta', type.encode({ kind: 'delta', seq: 1, delta: bottom }).length],
      ['since', type.encode({ kind: 'since', delta: bottom }).length],
      ['state', type.encode({ kind: 'state', state: bottom }).length],
    ]);
    return emptyOverhead.get(m.kind) ?? 0;
  };
  return {
    encode(message): EncodedMessage {
      const bytes = type.encode(message);
      const payloadBytes = carried(message) === undefined ? 0 : Math.max(0, bytes.length - overhead(message));
      return { bytes, payloadBytes };
    },
    decode(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array', '');
      return type.decode(bytes);
    },
    sizeOf: (state) => encode(crdt, state).length,
  };
}

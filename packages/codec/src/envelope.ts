import { DecodeError, ValidationError } from '@nlbd/core';
import { deflateSync, Inflate, inflateSync } from 'fflate';
import type { ResolvedLimits } from './limits.js';
import { unpackChecked } from './msgpack.js';

/** The two bytes every nlbd message starts with: ASCII `nl`. */
export const MAGIC: readonly [number, number] = [0x6e, 0x6c];

/** The format version this package writes. It reads every `1.x`, and refuses a newer major. */
export const FORMAT_VERSION: { readonly major: number; readonly minor: number } = Object.freeze({
  major: 1,
  minor: 3,
});

/** What a message holds. States and deltas share one layout; the kind records the intent. */
export type Kind = 'state' | 'delta' | 'digest' | 'message';

const KINDS: readonly Kind[] = ['state', 'delta', 'digest', 'message'];
const FLAG_DEFLATE = 1;
/** Since 1.1: the message is a bottom (empty) state or delta, and has no body at all. */
const FLAG_EMPTY = 2;
const TAG = /^[\x21-\x7e]{1,255}$/;

/** The fixed header of a message: version, kind, flags and type tag. */
export interface Header {
  readonly major: number;
  readonly minor: number;
  readonly kind: Kind;
  /** The type tag (`'orset'`, `'ormap<lwwmap>'`, ...), or the message kind for messages. */
  readonly tag: string;
  /** Whether the body is deflate-compressed. */
  readonly compressed: boolean;
}

/** A {@link Header} as the decoder reads it: also whether the message is an empty state. */
export interface WireHeader extends Header {
  /** A bottom state or delta: no body follows the header. */
  readonly empty: boolean;
}

/** Options for writing a message. */
export interface EnvelopeOptions {
  /**
   * Deflate the body (raw DEFLATE by fflate) and flag it in the header, unless that would not
   * make the message smaller (a small body), which is then sent as it is. Default false.
   */
  readonly compress?: boolean;
  /** The deflate level, 0-9 (default 6). */
  readonly level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/**
 * Header bytes, then the (maybe compressed) msgpack body; with no body, the header alone flagged
 * empty (a bottom state or delta: the commonest delta in sync, so it costs no body to read).
 */
export function wrap(
  kind: Kind,
  tag: string,
  body: Uint8Array | undefined,
  options: EnvelopeOptions = {},
): Uint8Array {
  if (!TAG.test(tag)) throw new ValidationError('a tag must be 1-255 printable ASCII characters', 'tag');
  const deflated =
    options.compress === true && body !== undefined
      ? deflateSync(body, { level: options.level ?? 6 })
      : undefined;
  // A small body deflates to more bytes than it has (plus the 4 of its length): sent as it is.
  const compress = deflated !== undefined && deflated.length + 4 < (body as Uint8Array).length;
  const payload = body === undefined ? new Uint8Array(0) : compress ? deflated : body;
  const head = 7 + tag.length + (compress ? 4 : 0);
  const out = new Uint8Array(head + payload.length);
  out[0] = MAGIC[0];
  out[1] = MAGIC[1];
  out[2] = FORMAT_VERSION.major;
  out[3] = FORMAT_VERSION.minor;
  out[4] = KINDS.indexOf(kind) + 1;
  out[5] = body === undefined ? FLAG_EMPTY : compress ? FLAG_DEFLATE : 0;
  out[6] = tag.length;
  for (let i = 0; i < tag.length; i++) out[7 + i] = tag.charCodeAt(i);
  if (compress) new DataView(out.buffer).setUint32(7 + tag.length, (body as Uint8Array).length);
  out.set(payload, head);
  return out;
}

/**
 * The header of `bytes`, validated: magic, a version this decoder reads, a known kind, no unknown
 * flag, a printable tag. Throws `DecodeError` otherwise.
 */
export function readHeader(bytes: Uint8Array): WireHeader {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('input must be a Uint8Array', 'header');
  const h = recentHeader(bytes) ?? parseHeader(bytes);
  if (h.empty && bytes.length !== 7 + h.tag.length)
    throw new DecodeError('an empty message has bytes after its header', 'header.flags');
  return h;
}

/** The header `bytes` start with, parsed and validated (all but what the body's length decides). */
function parseHeader(bytes: Uint8Array): WireHeader {
  if (bytes.length < 7) throw new DecodeError(`truncated: ${bytes.length} bytes, a header needs 7`, 'header');
  if (bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1])
    throw new DecodeError('not an nlbd message (bad magic)', 'header.magic');
  const major = bytes[2] as number;
  const minor = bytes[3] as number;
  if (major > FORMAT_VERSION.major) {
    throw new DecodeError(
      `format version ${major}.${minor} is newer than this decoder reads (${FORMAT_VERSION.major}.x); upgrade @nlbd/codec`,
      'header.version',
    );
  }
  if (major < 1) throw new DecodeError(`unknown format version ${major}.${minor}`, 'header.version');
  const kind = KINDS[(bytes[4] as number) - 1];
  if (kind === undefined) throw new DecodeError(`unknown kind ${bytes[4]}`, 'header.kind');
  const flags = bytes[5] as number;
  const known = major === 1 && minor === 0 ? FLAG_DEFLATE : FLAG_DEFLATE | FLAG_EMPTY;
  if ((flags & ~known) !== 0 || flags === (FLAG_DEFLATE | FLAG_EMPTY))
    throw new DecodeError(`unknown flags 0x${flags.toString(16)}`, 'header.flags');
  const length = bytes[6] as number;
  if (bytes.length < 7 + length) throw new DecodeError('truncated tag', 'header.tag');
  const empty = flags === FLAG_EMPTY;
  if (empty && kind !== 'state' && kind !== 'delta')
    throw new DecodeError(`a ${kind} is never empty`, 'header.flags');
  if (length === 0) throw new DecodeError('a tag must be 1-255 printable ASCII characters', 'header.tag');
  for (let i = 7; i < 7 + length; i++) {
    const c = bytes[i] as number;
    if (c < 0x21 || c > 0x7e)
      throw new DecodeError('a tag must be 1-255 printable ASCII characters', 'header.tag');
  }
  // One flat string, not a rope of characters: every later read of a rope goes through its links.
  const tag = String.fromCharCode.apply(null, bytes.subarray(7, 7 + length) as unknown as number[]);
  const header: WireHeader = Object.freeze({
    major,
    minor,
    kind,
    tag,
    compressed: flags === FLAG_DEFLATE,
    empty,
  });
  if (recentHeaders.length >= 16) recentHeaders.pop();
  recentHeaders.unshift({ bytes: bytes.slice(0, 7 + length), header });
  return header;
}

/**
 * Headers read lately, with their bytes: a message stream repeats a handful, so most headers are
 * found (their bytes compared), not parsed and validated again. Frozen, so sharing them is safe.
 */
const recentHeaders: { readonly bytes: Uint8Array; readonly header: WireHeader }[] = [];

/** The recent header whose bytes `bytes` start with, if any. */
function recentHeader(bytes: Uint8Array): WireHeader | undefined {
  for (let r = 0; r < recentHeaders.length; r++) {
    const { bytes: known, header } = recentHeaders[r] as (typeof recentHeaders)[number];
    if (bytes.length < known.length) continue;
    let i = 0;
    while (i < known.length && bytes[i] === known[i]) i++;
    if (i === known.length) return header;
  }
  return undefined;
}

const CHUNK = 16 * 1024;

/** DEFLATE's greatest expansion: a 258-byte match coded in 2 bits. */
const MAX_INFLATE_RATIO = 1032;

/**
 * The raw DEFLATE stream `data` inflated, refusing (as a `DecodeError` naming `path`) a corrupt
 * or unfinished stream, and output past `max` bytes as soon as inflation would pass it: a small
 * input cannot make the decoder do or hold much more than `max`. When even `data`'s greatest
 * expansion stays within `max`, it is first inflated in one pass into a buffer sized for
 * ordinary ratios (the streaming inflater allocates 128 KiB a push, which cost more than the
 * inflation of a map's key text); only a stream that fills that buffer, or fails, is inflated
 * again by the streaming path, which decides.
 */
export function inflateBounded(data: Uint8Array, max: number, path: string): Uint8Array {
  if (data.length * MAX_INFLATE_RATIO <= max) {
    const room = Math.min(max, 128 * data.length + 4096);
    let out: Uint8Array | undefined;
    try {
      out = inflateSync(data, { out: new Uint8Array(room + 1) });
    } catch {
      out = undefined;
    }
    if (out !== undefined && out.length <= room) return out;
  }
  const chunks: Uint8Array[] = [];
  let filled = 0;
  let finished = false;
  const inflate = new Inflate((chunk, final) => {
    if (chunk.length > max - filled) throw new DecodeError(`inflates past ${max} bytes`, path);
    chunks.push(chunk);
    filled += chunk.length;
    finished = final;
  });
  try {
    for (let at = 0; at < data.length || at === 0; at += CHUNK) {
      inflate.push(data.subarray(at, at + CHUNK), at + CHUNK >= data.length);
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(
      `corrupt DEFLATE stream: ${error instanceof Error ? error.message : String(error)}`,
      path,
    );
  }
  if (!finished) throw new DecodeError('the DEFLATE stream does not finish', path);
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(filled);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The msgpack value the body of `bytes` (whose header is `h`) holds, read by `unpackChecked`: in
 * place, or inflated first if compressed. A compressed body declares its inflated length, which
 * must be within `maxBytes`; inflation stops as soon as it would pass that length (see
 * {@link inflateBounded}).
 */
export function readBody(bytes: Uint8Array, h: Header, limits: ResolvedLimits): unknown {
  const start = 7 + h.tag.length;
  if (!h.compressed) return unpackChecked(bytes, limits, start);
  if (bytes.length < start + 4)
    throw new DecodeError('truncated length of the compressed body', 'header.length');
  const declared = new DataView(bytes.buffer, bytes.byteOffset + start, 4).getUint32(0);
  if (declared > limits.maxBytes) {
    throw new DecodeError(
      `declared body of ${declared} bytes exceeds ${limits.maxBytes} (limit maxBytes)`,
      'header.length',
    );
  }
  const body = inflateBounded(bytes.subarray(start + 4), declared, 'body');
  if (body.length !== declared)
    throw new DecodeError(`body inflates to ${body.length} bytes, not ${declared}`, 'body');
  return unpackChecked(body, limits);
}
